#include "cli/mac_command.h"

#include <filesystem>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/strings.h"
#include "cli/seccomp_common.h"
#include "mac/apparmor.h"
#include "mac/labels.h"
#include "mac/landlock.h"

namespace bulkhead::cli {

namespace {

constexpr int kCannotEnforceStatus = 1;
constexpr const char* kPolicyHelp = "Landlock policy file (YAML or JSON; '-' for stdin)";

// "bulkhead-" and the file's stem with anything AppArmor would not take as a name replaced.
std::string default_profile_name(const std::string& file) {
  std::string stem = file == "-" ? "container" : std::filesystem::path(file).stem().string();
  std::string name = "bulkhead-";
  for (char c : stem)
    name +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '-';
  return name;
}

struct ApparmorArgs {
  std::string file;
  std::string name;
  std::string output;
};

void register_apparmor(CLI::App& mac) {
  auto args = std::make_shared<ApparmorArgs>();
  auto* cmd = mac.add_subcommand(
      "apparmor", "Render a Landlock policy as an AppArmor profile (for hosts with AppArmor)");
  cmd->add_option("FILE", args->file, kPolicyHelp)->required();
  cmd->add_option("--name", args->name, "Profile name (default: bulkhead-<file stem>)");
  cmd->add_option("-o,--output", args->output, "Write the profile here (default: stdout)");
  cmd->callback([args] {
    mac::LandlockPolicy policy = mac::load_landlock_policy(args->file);
    std::string name = args->name.empty() ? default_profile_name(args->file) : args->name;
    std::string profile = mac::render_apparmor_profile(policy, name);
    if (args->output.empty() || args->output == "-")
      write_stdout(profile);
    else
      write_file(args->output, profile);
  });
}

std::string port_text(const std::vector<uint16_t>& ports) {
  if (ports.empty()) return "none";
  std::vector<std::string> parts;
  for (uint16_t port : ports) parts.push_back(std::to_string(port));
  return join(parts, ", ");
}

std::string abi_text(int abi) {
  return abi < 1 ? "none (no Landlock)" : std::to_string(abi);
}

struct CheckArgs {
  std::string file;
  std::optional<int> kernel_abi;
  bool json = false;
};

void run_check(const CheckArgs& args, int& exit_status) {
  mac::LandlockPolicy policy = mac::load_landlock_policy(args.file);
  int kernel = args.kernel_abi ? *args.kernel_abi : mac::landlock_abi();
  int required = policy.required_abi();
  std::vector<std::string> missing = mac::features_above_abi(policy, kernel);
  bool enforceable = missing.empty();
  std::string verdict = enforceable          ? "enforced in full"
                        : policy.best_effort ? "enforced in part (best_effort)"
                                             : "refused: the kernel cannot enforce it";
  if (!enforceable && !policy.best_effort) exit_status = kCannotEnforceStatus;

  if (args.json) {
    nlohmann::json out = {{"policy", mac::landlock_policy_to_json(policy)},
                          {"required_abi", required},
                          {"kernel_abi", kernel},
                          {"beyond_kernel", missing},
                          {"verdict", verdict}};
    write_stdout(out.dump(2) + "\n");
    return;
  }
  std::string out = "policy: " + policy.source + "\n";
  out += "best effort: " + std::string(policy.best_effort ? "yes" : "no") + "\n";
  out += "paths (everything else is denied):\n";
  if (policy.paths.empty()) out += "  (none)\n";
  for (const auto& rule : policy.paths)
    out += "  " + join(rule.paths, ", ") + ": " + join(mac::access_names(rule.access), ", ") +
           "  (" + rule.where.str() + ")\n";
  out += "tcp: ";
  out += policy.restrict_network ? "bind " + port_text(policy.bind_ports) + "; connect " +
                                       port_text(policy.connect_ports) + "\n"
                                 : "not restricted\n";
  if (policy.scopes) out += "scope: " + join(mac::scope_names(policy.scopes), ", ") + "\n";
  out += "required ABI: " + std::to_string(required) + "\n";
  out += "kernel ABI: " + abi_text(kernel) + (args.kernel_abi ? " (--kernel-abi)" : "") + "\n";
  for (const auto& feature : missing) out += "beyond the kernel: " + feature + "\n";
  out += "verdict: " + verdict + "\n";
  write_stdout(out);
}

void register_landlock(CLI::App& mac, int& exit_status) {
  auto* landlock = mac.add_subcommand("landlock", "Landlock policies");
  landlock->require_subcommand(1);
  auto args = std::make_shared<CheckArgs>();
  auto* check = landlock->add_subcommand(
      "check",
      "Parse a policy, summarize its rules and say whether this kernel can enforce it "
      "(exit status 1 when it cannot and the policy does not set best_effort)");
  check->add_option("FILE", args->file, kPolicyHelp)->required();
  check
      ->add_option("--kernel-abi", args->kernel_abi,
                   "Judge against this Landlock ABI instead of the running kernel's")
      ->check(CLI::Range(0, 1000));
  check->add_flag("--json", args->json, "Print the result as JSON");
  check->callback([args, &exit_status] { run_check(*args, exit_status); });
}

void register_status(CLI::App& mac) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = mac.add_subcommand(
      "status",
      "Show the mandatory access control this kernel offers (Landlock, AppArmor, SELinux)");
  cmd->add_flag("--json", *json, "Print the result as JSON");
  cmd->callback([json] {
    int abi = mac::landlock_abi();
    bool apparmor = mac::apparmor_enabled();
    bool selinux = mac::selinux_enabled();
    if (*json) {
      nlohmann::json out = {{"landlock_abi", abi}, {"apparmor", apparmor}, {"selinux", selinux}};
      write_stdout(out.dump(2) + "\n");
      return;
    }
    std::string out =
        "landlock: " + (abi < 1 ? std::string("not available") : "ABI " + std::to_string(abi));
    if (abi > mac::kMaxKnownAbi)
      out += " (Bulkhead uses ABI " + std::to_string(mac::kMaxKnownAbi) + " features)";
    out += "\napparmor: " + std::string(apparmor ? "enabled" : "not enabled") + "\n";
    out += "selinux: " + std::string(selinux ? "enabled" : "not enabled") + "\n";
    write_stdout(out);
  });
}

}  // namespace

void register_mac_command(CLI::App& app, int& exit_status) {
  auto* mac = app.add_subcommand(
      "mac", "Mandatory access control: Landlock policies, AppArmor profiles, LSM status");
  mac->require_subcommand(1);
  register_apparmor(*mac);
  register_landlock(*mac, exit_status);
  register_status(*mac);
}

}  // namespace bulkhead::cli
