// `bulkhead seccomp …`: the tools that print, compile, disassemble, check, compare and measure
// seccomp profiles.
#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

// Adds the `seccomp` command group to `app`. A tool that finishes without an error sets
// `exit_status` (diff: 1 when the profiles differ; check: 3 when the compiled program and the
// profile's semantics disagree).
void register_seccomp_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
