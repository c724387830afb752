// User namespace id maps, written by the parent for the child it cloned.
#pragma once

#include <sys/types.h>

#include "spec/spec.h"

namespace bulkhead::runtime {

enum class IdMapWriter {
  Direct,     // we may write /proc/PID/{uid,gid}_map ourselves
  Newuidmap,  // a rootless multi-id map: the setuid helpers from shadow (Debian's uidmap)
};

// How the maps of `linux` can be written by the calling user. Throws Error when they cannot
// (e.g. a rootless range without newuidmap installed).
IdMapWriter choose_id_map_writer(const spec::Linux& linux);

// Writes the maps of the child `pid`. With Direct as an unprivileged user, setgroups is
// denied first (the kernel's requirement), so the container cannot call setgroups(2).
void write_id_maps(pid_t pid, const spec::Linux& linux, IdMapWriter writer);

// Whether the container's process may call setgroups(2) after write_id_maps.
bool setgroups_allowed(IdMapWriter writer);

}  // namespace bulkhead::runtime
