#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

// `bulkhead run`: docker-style flags → OCI spec → container.
void register_run_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
