// `bulkhead mac …`: mandatory access control tools: check a Landlock policy against this
// kernel, render it as an AppArmor profile, and show which LSMs the host offers.
#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

// Adds the `mac` command group to `app`. `landlock check` sets `exit_status` to 1 when the
// kernel cannot enforce the policy (and the policy does not allow best effort).
void register_mac_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
