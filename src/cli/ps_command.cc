#include "cli/ps_command.h"

#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli/seccomp_common.h"
#include "runtime/state.h"

namespace bulkhead::cli {

namespace {

constexpr size_t kShortIdLength = 12;
constexpr size_t kCommandWidth = 30;  // docker truncates its COMMAND column the same way
constexpr const char* kColumnGap = "   ";

struct PsArgs {
  bool json = false;
  bool quiet = false;
  bool no_trunc = false;
};

std::string command_of(const runtime::ContainerRecord& record) {
  const nlohmann::json& spec = record.spec;
  if (!spec.is_object() || !spec.contains("process") || !spec["process"].is_object()) return "";
  const nlohmann::json& process = spec["process"];
  if (!process.contains("args") || !process["args"].is_array()) return "";
  std::vector<std::string> args;
  for (const auto& arg : process["args"])
    if (arg.is_string()) args.push_back(arg.get<std::string>());
  return join(args, " ");
}

// "5 seconds ago", as docker shows it; the recorded time itself when it cannot be read.
std::string age_of(const std::string& created) {
  std::optional<int64_t> then = runtime::rfc3339_to_unix(created);
  if (!then) return created;
  int64_t seconds = static_cast<int64_t>(std::time(nullptr)) - *then;
  if (seconds < 0) seconds = 0;
  auto ago = [](int64_t n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s") + " ago";
  };
  if (seconds < 60) return ago(seconds, "second");
  if (seconds < 3600) return ago(seconds / 60, "minute");
  if (seconds < 86400) return ago(seconds / 3600, "hour");
  return ago(seconds / 86400, "day");
}

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size(), ' ') + kColumnGap;
    }
    out += line + "\n";
  }
  return out;
}

void run_ps(const PsArgs& args) {
  runtime::StateStore store(runtime::default_state_dir());
  std::vector<runtime::ContainerRecord> records = store.list();
  auto short_id = [&](const std::string& id) {
    return args.no_trunc ? id : id.substr(0, kShortIdLength);
  };
  if (args.quiet) {
    std::string out;
    for (const auto& record : records) out += short_id(record.id) + "\n";
    write_stdout(out);
    return;
  }
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& record : records) out.push_back(runtime::record_to_json(record));
    write_stdout(out.dump(2) + "\n");
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"CONTAINER ID", "NAME", "PID", "CREATED", "STATUS", "ROOTFS", "COMMAND"}};
  for (const auto& record : records) {
    std::string command = command_of(record);
    if (!args.no_trunc && command.size() > kCommandWidth)
      command = command.substr(0, kCommandWidth - 3) + "...";
    rows.push_back({short_id(record.id), record.name,
                    record.pid > 0 ? std::to_string(record.pid) : "-", age_of(record.created),
                    record.status, record.rootfs, command});
  }
  write_stdout(table(rows));
}

}  // namespace

void register_ps_command(CLI::App& app, int& exit_status) {
  auto args = std::make_shared<PsArgs>();
  auto* cmd = app.add_subcommand(
      "ps", "List this user's containers (those being created and those running)");
  auto* json = cmd->add_flag("--json", args->json, "Print the state records as a JSON array");
  cmd->add_flag("-q,--quiet", args->quiet, "Print only the container ids")->excludes(json);
  cmd->add_flag("--no-trunc", args->no_trunc, "Print full ids and commands");
  cmd->footer(
      "Containers are read from the state directory: $BULKHEAD_STATE_DIR when set, else "
      "/run/bulkhead for root, else $XDG_RUNTIME_DIR/bulkhead or /tmp/bulkhead-UID.");
  cmd->callback([args] { run_ps(*args); });
}

}  // namespace bulkhead::cli
