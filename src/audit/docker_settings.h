// The setting syntaxes `docker run` / `podman run` and compose share (capability names,
// --security-opt / security_opt entries, "SRC:DST[:OPTS]" volumes, devices, device cgroup
// rules, sysctls), turned into Workload fields. Private to src/audit (docker_run.cc and
// compose.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/workload.h"

namespace bulkhead::audit::docker_settings {

// "cap_sys_admin", "CAP_SYS_ADMIN", " sys_admin " -> "SYS_ADMIN"; "all" -> "ALL".
std::string canonical_capability(std::string_view name);
// Adds each entry of a comma-separated list (empty entries skipped) to `into`.
void add_capabilities(std::vector<Located<std::string>>& into, std::string_view list,
                      const SourceLocation& where);

// Go's strconv.ParseBool, which docker uses: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> parse_go_bool(std::string_view text);

// One --security-opt / security_opt entry: "no-new-privileges[:true|=true]",
// "seccomp=unconfined|FILE", "apparmor=NAME", "label=disable", "label=type:spc_t",
// "systempaths=unconfined", podman "unmask=ALL|/proc/…", "mask=…" ("key:value" is accepted
// wherever "key=value" is). Entries that say nothing the checks look at are ignored; so is
// a no-new-privileges value that is not a boolean (a variable: undecidable, so not set).
void apply_security_opt(Workload& workload, std::string_view option, const SourceLocation& where);

// A host path as the checks compare it: "." and ".." resolved and repeated or trailing slashes
// removed for absolute paths ("/var/run/../run/docker.sock/" -> "/run/docker.sock") and for
// the part after "~" ("~/x/../.ssh" -> "~/.ssh"). Relative paths ("./data") and paths that
// start with a variable ("$DATA/x", "${PWD}") only lose trailing slashes: they cannot be
// resolved without the environment.
std::string normalise_host_path(std::string_view path);

// Whether a volume source names a host path (starts with "/", "~", "." or a shell/compose
// variable "$") rather than a named volume.
bool is_host_path_source(std::string_view source);

// Splits on ':' outside "${…}" (so "${DATA:-/srv}:/data:ro" has three parts).
std::vector<std::string> split_volume_spec(std::string_view spec);

// Volume options ("ro,Z", "rshared", "readonly") applied to a mount.
struct VolumeOptions {
  bool read_only = false;
  std::string propagation;  // "" when not given
};
VolumeOptions parse_volume_options(std::string_view options);
bool is_propagation(std::string_view word);

// `-v` / compose short syntax "SRC:DST[:OPTS]" or "DST" (an anonymous volume): a HostMount
// when SRC is a host path (see is_host_path_source), else a VolumeMount.
void add_short_volume(Workload& workload, std::string_view spec, const SourceLocation& where);

// A host mount or a named volume from separately given parts (--mount, compose long syntax).
void add_bind_mount(Workload& workload, std::string_view source, std::string_view destination,
                    bool read_only, std::string_view propagation, const SourceLocation& where);

// "HOST[:CONTAINER[:PERMS]]" (also a CDI name such as "nvidia.com/gpu=all", kept whole).
void add_device(Workload& workload, std::string_view spec, const SourceLocation& where);
// A device cgroup rule "TYPE MAJOR:MINOR PERMS": type "a" or "*:*" allows every device and is
// recorded as host_path "*"; any other rule is recorded as written ("c 10:200 rwm").
void add_device_cgroup_rule(Workload& workload, std::string_view rule, const SourceLocation& where);
// A sysctl name as the checks compare it: "net/ipv4/ip_forward" -> "net.ipv4.ip_forward".
void add_sysctl(Workload& workload, std::string_view name, std::string_view value,
                const SourceLocation& where);
// "net.ipv4.ip_forward=1" (no '=': value "").
void add_sysctl_assignment(Workload& workload, std::string_view assignment,
                           const SourceLocation& where);

// Memory / pids limits as written; "0" (and for pids a negative number) means unlimited in
// docker and compose, so it leaves the limit unset.
void set_memory_limit(Workload& workload, std::string_view value, const SourceLocation& where);
void set_pids_limit(Workload& workload, std::string_view value, const SourceLocation& where);

}  // namespace bulkhead::audit::docker_settings
