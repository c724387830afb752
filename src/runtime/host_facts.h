// What `bulkhead run` needs to know about the invoking user and the host to turn flags into
// a spec: uid/gid, subordinate id ranges usable through newuidmap, the environment.
#pragma once

#include "spec/docker_flags.h"

namespace bulkhead::runtime {

spec::HostFacts gather_host_facts();

// The first range for `user` (name or uid) in an /etc/subuid-format text; nullopt if none.
std::optional<spec::IdRange> find_subordinate_range(std::string_view file_text,
                                                    std::string_view user_name, uint32_t uid);

}  // namespace bulkhead::runtime
