// The `bulkhead` command. Each command group registers itself; this is the one place that turns
// errors into a message on stderr and an exit status.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "base/error.h"
#include "cli/seccomp_command.h"

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
  bulkhead::cli::register_seccomp_command(app, exit_status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "bulkhead: " << e.what() << "\nRun with --help for more information.\n";
    return kUsageStatus;
  } catch (const bulkhead::Error& e) {
    std::cerr << "bulkhead: " << e.what() << "\n";
    return kFailureStatus;
  } catch (const std::exception& e) {
    std::cerr << "bulkhead: " << e.what() << "\n";
    return kFailureStatus;
  }
  return exit_status;
}
