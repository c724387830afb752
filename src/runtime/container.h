// Running a container from a spec: the parent (`bulkhead run`, the container's monitor) and
// the child that becomes the container. The spec is the whole policy; options only say how
// the monitor behaves.
#pragma once

#include <string>

#include "spec/spec.h"

namespace bulkhead::runtime {

struct RunOptions {
  std::string name;          // "" → derived from the id
  bool interactive = false;  // -i: relay stdin (otherwise the container reads /dev/null)
  std::string state_dir;     // "" → default_state_dir()
};

// Creates the container, runs it to completion and returns its exit status the way docker
// does (the process's status, or 128 + signal). Throws Error — with nothing left behind — when
// the container cannot be set up exactly as the spec says.
int run_container(const spec::Spec& spec, const RunOptions& options);

// Exit status of a waitpid() status, as shells and docker report it.
int exit_status_of(int wait_status);

}  // namespace bulkhead::runtime
