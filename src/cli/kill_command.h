// `bulkhead kill NAME [SIGNAL]`: sends a signal to a container's init process.
#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

void register_kill_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
