// `docker run`'s flags on a CLI11 subcommand, with Docker's spellings, so a docker command line
// can be reused: `bulkhead run --cap-drop=ALL -it ROOTFS sh -c 'id -u'`.
#pragma once

#include <CLI/CLI.hpp>

#include "spec/docker_flags.h"

namespace bulkhead::cli {

// Registers every flag of spec::RunFlags on `cmd`, then ROOTFS and CMD [ARG…].
//
// - `-h` is --hostname, as in Docker, so `cmd`'s help flag becomes `--help` only.
// - The first argument that is not an option is ROOTFS; every argument after the next one that
//   is not an option (the command) belongs to the command, options included
//   (`ROOTFS sh -c 'id -u'`). `flags.command` is filled by `cmd`'s parse-complete callback, so
//   set the command's action with `cmd.callback()` / `final_callback()` (which run later), not
//   with `parse_complete_callback()` or `immediate_callback()`.
// - An unknown option is an error (CLI::ExtrasError), even though the command's own options
//   are passed through: a misspelt --security-opt must never become part of the command. So
//   the command itself cannot start with "-".
// - flags.rootfs is ROOTFS as typed; the caller resolves it to an absolute path.
void add_docker_run_flags(CLI::App& cmd, spec::RunFlags& flags);

}  // namespace bulkhead::cli
