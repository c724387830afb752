// The OCI runtime spec (config.json, runtime-spec 1.x) as Bulkhead's internal model of a
// container: `bulkhead run` turns docker-style flags into a Spec, the runtime turns a Spec into
// a container, audit checks a Spec, and the future OCI CLI reads one from a bundle.
//
// Field names follow the spec. Only what Bulkhead enforces is modelled; a config.json that
// asks for something the runtime cannot enforce is refused when read (fail closed), never
// silently dropped.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/json.h"
#include "caps/capabilities.h"
#include "seccomp/profile.h"

namespace bulkhead::spec {

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
};

// process.capabilities: the five sets, always all present in specs Bulkhead writes.
struct Capabilities {
  caps::CapSet bounding;
  caps::CapSet effective;
  caps::CapSet inheritable;
  caps::CapSet permitted;
  caps::CapSet ambient;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct ConsoleSize {
  unsigned height = 0;
  unsigned width = 0;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;  // "KEY=value"
  std::string cwd = "/";
  std::optional<Capabilities> capabilities;  // absent: no capabilities at all
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::string apparmor_profile;  // "" = none requested
  std::string selinux_label;     // "" = none requested
  std::optional<int> oom_score_adj;
};

struct Root {
  std::string path;
  bool readonly = false;
};

struct Mount {
  std::string destination;
  std::string type;  // "bind", "proc", "tmpfs", … ("" for a bind given only by options)
  std::string source;
  std::vector<std::string> options;  // "ro", "nosuid", "rbind", "mode=755", …
};

enum class NamespaceType { Pid, Network, Mount, Ipc, Uts, User, Cgroup, Time };

struct Namespace {
  NamespaceType type;
  std::string path;  // join this namespace instead of creating one
};

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

// linux.resources: only the limits Bulkhead applies.
struct Resources {
  std::optional<int64_t> memory_limit;  // bytes
  std::optional<int64_t> memory_swap;   // bytes, memory+swap as in the spec (-1 = unlimited)
  std::optional<int64_t> pids_limit;
  std::optional<int64_t> cpu_quota;    // microseconds per period
  std::optional<uint64_t> cpu_period;  // microseconds
  std::optional<uint64_t> cpu_shares;
  bool empty() const {
    return !memory_limit && !memory_swap && !pids_limit && !cpu_quota && !cpu_period && !cpu_shares;
  }
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  std::map<std::string, std::string> sysctl;
  std::optional<Resources> resources;
  std::string cgroups_path;
  // Flat OCI seccomp (no Docker includes/excludes): conditions are decided when the spec is
  // built, as dockerd does, so any OCI runtime reading it enforces the same filter.
  std::optional<seccomp::Profile> seccomp;
  std::string rootfs_propagation;  // "private", "rslave", …; "" = runtime default
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::string mount_label;

  bool has_namespace(NamespaceType type) const;
  const Namespace* find_namespace(NamespaceType type) const;
};

// Annotations Bulkhead itself reads (OCI's extension point, so other runtimes can run the
// same config.json and merely ignore what they do not know).
inline constexpr const char* kLandlockAnnotation = "run.bulkhead.landlock";  // policy JSON
inline constexpr const char* kInitAnnotation = "run.bulkhead.init";          // "true"
// "tmpfs": the root filesystem is a shared image (builtin:busybox); the container writes to a
// throwaway overlay layer on top, never to the image itself.
inline constexpr const char* kRootOverlayAnnotation = "run.bulkhead.root-overlay";

struct Spec {
  std::string oci_version = "1.0.2";
  Process process;
  Root root;
  std::string hostname;
  std::vector<Mount> mounts;
  Linux linux;
  std::map<std::string, std::string> annotations;
};

std::string_view namespace_type_name(NamespaceType type);  // "pid", "network", …
std::optional<NamespaceType> namespace_type_from_name(std::string_view name);

// Reads config.json. Errors name the file, line, column and field; unknown fields and fields
// Bulkhead cannot enforce (e.g. linux.devices, hooks, intelRdt) are errors.
Spec parse_spec(std::string_view text, const std::string& source);
Spec parse_spec(const JsonDocument& doc);
// config.json as the OCI runtime spec writes it (camelCase names, only fields that are set).
nlohmann::json spec_to_json(const Spec& spec);

}  // namespace bulkhead::spec
