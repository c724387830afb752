// The `bulkhead` command. Each command group registers itself; this is the one place that turns
// errors into a message on stderr and an exit status.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "base/error.h"
#include "cli/audit_command.h"
#include "cli/capture_command.h"
#include "cli/exec_command.h"
#include "cli/inspect_command.h"
#include "cli/kill_command.h"
#include "cli/mac_command.h"
#include "cli/ps_command.h"
#include "cli/rules_command.h"
#include "cli/run_command.h"
#include "cli/seccomp_command.h"
#include "cli/watch_command.h"

namespace {

constexpr int kFailureStatus = 1;
constexpr int kUsageStatus = 2;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Bulkhead: container hardening (seccomp profiles compiled, verified and explained)",
               "bulkhead"};
  app.set_version_flag("--version", "bulkhead " BULKHEAD_VERSION);
  app.require_subcommand(1);
  int exit_status = 0;
  bulkhead::cli::register_run_command(app, exit_status);
  bulkhead::cli::register_exec_command(app, exit_status);
  bulkhead::cli::register_ps_command(app, exit_status);
  bulkhead::cli::register_kill_command(app, exit_status);
  bulkhead::cli::register_seccomp_command(app, exit_status);
  bulkhead::cli::register_mac_command(app, exit_status);
  bulkhead::cli::register_rules_command(app, exit_status);
  bulkhead::cli::register_capture_command(app, exit_status);
  bulkhead::cli::register_watch_command(app, exit_status);
  bulkhead::cli::register_audit_command(app, exit_status);
  bulkhead::cli::register_inspect_command(app, exit_status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "bulkhead: " << e.what() << "\nRun with --help for more information.\n";
    return kUsageStatus;
  } catch (const bulkhead::ExitStatusError& e) {
    std::cerr << "bulkhead: " << e.what() << "\n";
    return e.exit_status();
  } catch (const bulkhead::Error& e) {
    std::cerr << "bulkhead: " << e.what() << "\n";
    return kFailureStatus;
  } catch (const std::exception& e) {
    std::cerr << "bulkhead: " << e.what() << "\n";
    return kFailureStatus;
  }
  return exit_status;
}
