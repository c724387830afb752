// `bulkhead rules …`: validate rule files (errors and warnings with locations; exit status for
// CI), list the rules they define, list the fields conditions and outputs can use.
#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

void register_rules_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
