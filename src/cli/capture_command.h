// `bulkhead capture …`: capture files (docs/CAPTURE-FORMAT.md). `generate` writes a realistic
// synthetic capture (shells, package managers, web servers, compilers, attacks) for tests,
// demos and benchmarks; `info` summarizes a capture.
#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

void register_capture_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
