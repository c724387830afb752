// `bulkhead ps`: the containers of this user that are being created or run.
#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

void register_ps_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
