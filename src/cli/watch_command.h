// `bulkhead watch`: runs the detection rules over syscall events and prints alerts. With
// --replay the events come from a capture file.
#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

void register_watch_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
