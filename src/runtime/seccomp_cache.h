// Compiled seccomp programs, kept between container starts. Resolving and compiling the
// default profile costs a few milliseconds of CPU on every `bulkhead run` — a large share of a
// container's start — and its result only changes when the profile, the capability set, the
// kernel or the bulkhead binary does.
//
// An entry stores its whole key (the profile as canonical JSON and everything else the result
// depends on) next to the program, and a hit needs a byte-for-byte equal key, so a file-name
// collision can never hand a container another profile's filter. The program is validated
// again when read. The cache lives in the caller's state directory (mode 0700, owned by the
// caller): whoever can write it already runs as the user whose containers it serves.
#pragma once

#include <string>

#include "seccomp/filter.h"
#include "seccomp/program.h"

namespace bulkhead::runtime {

// compile(resolve(profile, options)), from `cache_dir` when an equal key is there; stores new
// results. An unusable cache (unwritable, corrupt entry) is never an error: the program is
// then compiled as if there were none. An empty `cache_dir` disables caching.
seccomp::Program compile_seccomp_cached(const seccomp::Profile& profile,
                                        const seccomp::ResolveOptions& options,
                                        const std::string& cache_dir);

// The key an entry must match (exposed for tests).
std::string seccomp_cache_key(const seccomp::Profile& profile,
                              const seccomp::ResolveOptions& options);

}  // namespace bulkhead::runtime
