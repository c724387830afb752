#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

// `bulkhead exec [-i] [-t] [-u UID[:GID]] [-e K=V] [-w DIR] NAME CMD [ARG…]`
void register_exec_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
