// OCI runtime config.json as an audit input, and the spec `bulkhead run` builds (the runtime
// floor). Both describe a container by its resulting settings rather than by changes to a
// runtime's defaults, so they share one mapping; the file reader adds positions.
//
// The file reader is lenient where spec::parse_spec() is strict: parse_spec() refuses what the
// runtime cannot enforce (hooks, linux.devices, …), while an audit must read whatever runc,
// crun, podman or containerd wrote and report on it. Fields the audit does not look at are
// ignored whatever they hold; fields it reads must have the spec's types, and a wrong type is an
// Error naming the file, line, column and field.
//
// Mapping (see docs/AUDIT_POLICY.md for the runtime floor):
// - process.capabilities.bounding → the exact capability set (absent: empty). The bounding set
//   is what any process of the container can ever hold, whatever its user.
// - privileged: there is no such field. `docker run --privileged` produces a bounding set with
//   every capability, no linux.seccomp and no maskedPaths; a config counts as privileged when
//   its bounding set is full and either the seccomp filter or the masked paths are gone.
//   "Full" means every capability up to CAP_AUDIT_READ (Linux 3.16): runtimes list only the
//   capabilities their kernel knows, so PERFMON, BPF and CHECKPOINT_RESTORE may be missing.
// - linux.seccomp: absent → not set (BH-SECCOMP-MISSING); a default action of ALLOW (or LOG)
//   with no syscall rules filters nothing → "unconfined"; anything else → "custom".
// - A namespace type (pid, ipc, uts, network, user) missing from linux.namespaces, or joined
//   through /proc/1/ns/…, is the host's.
// - Mounts of type bind, or with a bind/rbind option, are host mounts; everything else is a
//   volume (only its propagation matters).
// - linux.devices → passed-through devices; a linux.resources.devices rule allowing every
//   device (no type or type "a", no major/minor) → the device "*" (what --privileged writes).
// - maskedPaths absent or empty → /proc unmasked.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/inputs.h"
#include "base/error.h"
#include "base/json.h"
#include "base/strings.h"

namespace bulkhead::audit {

namespace {

// The last capability every kernel a runtime might have generated a config on knows
// (CAP_AUDIT_READ, Linux 3.16). Newer ones are left out of a --privileged set by runtimes
// running on older kernels.
constexpr int kLastUniversalCap = 37;

// A namespace as the audit cares about it: the OCI type name and where the checks record it.
struct AuditedNamespace {
  std::string_view type;
  std::optional<Located<bool>> HostNamespaces::*member;
};
constexpr AuditedNamespace kAuditedNamespaces[] = {
    {"pid", &HostNamespaces::pid},   {"ipc", &HostNamespaces::ipc},
    {"uts", &HostNamespaces::uts},   {"network", &HostNamespaces::network},
    {"user", &HostNamespaces::user},
};

bool is_propagation(std::string_view option) {
  return option == "shared" || option == "rshared" || option == "slave" || option == "rslave" ||
         option == "private" || option == "rprivate" || option == "unbindable" ||
         option == "runbindable";
}

// "/var/run/../run//docker.sock/" → "/run/docker.sock": the checks compare host paths as
// strings, so ".." and "." are resolved lexically (the host's symlinks are not followed: the
// audit may not run on the host the config is for). A relative path (a bind source inside the
// bundle) stays relative.
std::string normalize_path(std::string_view path) {
  bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string> parts;
  for (const std::string& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else if (!absolute)
        parts.push_back(part);  // above the bundle: keep it visible
      continue;
    }
    parts.push_back(part);
  }
  std::string out = absolute ? "/" : "";
  out += join(parts, "/");
  return out.empty() ? "." : out;
}

std::string base_name(const std::string& file) {
  std::string_view view = file;
  while (view.size() > 1 && view.back() == '/') view.remove_suffix(1);
  auto slash = view.rfind('/');
  return std::string(slash == std::string_view::npos ? view : view.substr(slash + 1));
}

// Whether `set` holds every capability there is to hold: all up to CAP_AUDIT_READ, except
// those the caller could not grant (`grantable`, its own bounding set). CAP_SYS_ADMIN must be
// among them, so a caller whose bounding set is already small (bulkhead itself inside a
// container) does not make every container look fully privileged.
bool is_full_bounding_set(const caps::CapSet& set, const caps::CapSet& grantable) {
  static const int kSysAdmin = *caps::cap_from_name("SYS_ADMIN");
  if (!set.has(kSysAdmin)) return false;
  for (int cap = 0; cap <= kLastUniversalCap; ++cap)
    if (grantable.has(cap) && !set.has(cap)) return false;
  return true;
}

// "system_u:system_r:spc_t:s0" → its type, "spc_t"; "" when the label has no type field.
std::string selinux_type(std::string_view label) {
  std::vector<std::string> fields = split(label, ':');
  return fields.size() >= 3 ? fields[2] : "";
}

// The selinux setting the checks see: "spc_t" for the super-privileged type (SELinux
// separation off), else the label as written.
std::string selinux_setting(const std::string& label) {
  return selinux_type(label) == "spc_t" ? "spc_t" : label;
}

bool joins_host_namespace(std::string_view path) {
  return path.starts_with("/proc/1/ns/");
}

// One mount, in either input's words, turned into a host mount or a volume.
struct MountFacts {
  std::string destination, type, source;
  std::vector<std::string> options;
  SourceLocation where;
};

void add_mount(Workload& workload, const MountFacts& mount) {
  bool bind = mount.type == "bind" || std::any_of(mount.options.begin(), mount.options.end(),
                                                  [](const std::string& option) {
                                                    return option == "bind" || option == "rbind";
                                                  });
  bool read_only = false;
  std::string propagation;
  for (const std::string& option : mount.options) {
    if (option == "ro") read_only = true;
    if (option == "rw") read_only = false;  // the last of ro/rw wins, as in mount(8)
    if (is_propagation(option)) propagation = option;
  }
  if (bind) {
    workload.host_mounts.push_back(
        {normalize_path(mount.source), mount.destination, read_only, propagation, mount.where});
  } else {
    workload.volumes.push_back({mount.type.empty() ? mount.source : mount.type, mount.destination,
                                propagation, mount.where});
  }
}

// ---- config.json ------------------------------------------------------------------------

class OciReader {
 public:
  explicit OciReader(const JsonDocument& doc) : doc_(doc) {}

  Workload read(const std::string& object) {
    const nlohmann::json& root = doc_.root();
    if (!root.is_object()) throw doc_.error("", "a config.json must be a JSON object");
    workload_.format = InputFormat::OciConfig;
    workload_.object = object;
    workload_.where = doc_.where("");
    read_process();
    read_root();
    read_mounts();
    read_linux();
    infer_privileged();
    return std::move(workload_);
  }

 private:
  // The value at `pointer` if present and not null, checked to be an object.
  const nlohmann::json* object_at(const std::string& pointer) const {
    const nlohmann::json* value = find(pointer);
    if (value && !value->is_object()) throw doc_.error(pointer, "must be an object");
    return value;
  }
  const nlohmann::json* array_at(const std::string& pointer) const {
    const nlohmann::json* value = find(pointer);
    if (value && !value->is_array()) throw doc_.error(pointer, "must be an array");
    return value;
  }
  std::optional<std::string> string_at(const std::string& pointer) const {
    const nlohmann::json* value = find(pointer);
    if (!value) return std::nullopt;
    if (!value->is_string()) throw doc_.error(pointer, "must be a string");
    return value->get<std::string>();
  }
  std::optional<bool> bool_at(const std::string& pointer) const {
    const nlohmann::json* value = find(pointer);
    if (!value) return std::nullopt;
    if (!value->is_boolean()) throw doc_.error(pointer, "must be true or false");
    return value->get<bool>();
  }
  std::optional<int64_t> integer_at(const std::string& pointer) const {
    const nlohmann::json* value = find(pointer);
    if (!value) return std::nullopt;
    if (value->is_number_integer() && !value->is_number_unsigned()) return value->get<int64_t>();
    if (value->is_number_unsigned() && value->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX))
      return static_cast<int64_t>(value->get<uint64_t>());
    throw doc_.error(pointer, "must be an integer");
  }
  std::optional<uint32_t> id_at(const std::string& pointer) const {
    const nlohmann::json* value = find(pointer);
    if (!value) return std::nullopt;
    if (!value->is_number_unsigned() || value->get<uint64_t>() > UINT32_MAX)
      throw doc_.error(pointer, "must be an id from 0 to 4294967295");
    return static_cast<uint32_t>(value->get<uint64_t>());
  }
  std::vector<std::string> strings_at(const std::string& pointer) const {
    std::vector<std::string> out;
    const nlohmann::json* list = array_at(pointer);
    if (!list) return out;
    for (size_t i = 0; i < list->size(); ++i) {
      std::string item = pointer + "/" + std::to_string(i);
      if (!(*list)[i].is_string()) throw doc_.error(item, "must be a string");
      out.push_back((*list)[i].get<std::string>());
    }
    return out;
  }

  // Present and not null. JSON pointers are built from keys we know, so they are valid.
  const nlohmann::json* find(const std::string& pointer) const {
    nlohmann::json::json_pointer ptr(pointer);
    const nlohmann::json& root = doc_.root();
    // contains() is false (rather than throwing) when a step is not a container: the enclosing
    // value was type-checked by its own reader before its members are asked for.
    if (!root.contains(ptr)) return nullptr;
    const nlohmann::json& value = root.at(ptr);
    return value.is_null() ? nullptr : &value;
  }

  SourceLocation where(const std::string& pointer) const { return doc_.where(pointer); }
  // The nearest of `pointers` that is present (a missing setting points at its enclosing
  // object), else the document's start.
  SourceLocation where_first(std::initializer_list<std::string> pointers) const {
    for (const std::string& pointer : pointers)
      if (find(pointer)) return where(pointer);
    return workload_.where;
  }

  void read_process() {
    object_at("/process");

    // Capabilities: the bounding set (absent: none).
    object_at("/process/capabilities");
    caps::CapSet bounding;
    for (const std::string& name : strings_at("/process/capabilities/bounding")) {
      // A capability newer than this build's list cannot be one the checks name; it is
      // skipped rather than refused (the audit reads configs written for newer kernels).
      if (auto cap = caps::cap_from_name(name)) bounding.add(*cap);
    }
    workload_.capabilities.effective_set = Located<caps::CapSet>{
        bounding,
        where_first({"/process/capabilities/bounding", "/process/capabilities", "/process"})};

    // The spec's default for noNewPrivileges is false: absent is said, at the process.
    bool no_new_privileges = bool_at("/process/noNewPrivileges").value_or(false);
    workload_.no_new_privileges =
        Located<bool>{no_new_privileges, where_first({"/process/noNewPrivileges", "/process"})};

    if (auto profile = string_at("/process/apparmorProfile"); profile && !profile->empty())
      workload_.apparmor = Located<std::string>{*profile, where("/process/apparmorProfile")};
    if (auto label = string_at("/process/selinuxLabel"); label && !label->empty())
      workload_.selinux =
          Located<std::string>{selinux_setting(*label), where("/process/selinuxLabel")};

    // The user: uid (and gid) as numbers; absent user or uid means uid 0 in the spec.
    object_at("/process/user");
    if (find("/process")) {
      uint32_t uid = id_at("/process/user/uid").value_or(0);
      std::optional<uint32_t> gid = id_at("/process/user/gid");
      std::string user = std::to_string(uid);
      if (gid) user += ":" + std::to_string(*gid);
      workload_.user = Located<std::string>{
          user, where_first({"/process/user/uid", "/process/user", "/process"})};
    }
  }

  void read_root() {
    object_at("/root");
    bool read_only = bool_at("/root/readonly").value_or(false);
    workload_.read_only_rootfs = Located<bool>{read_only, where_first({"/root/readonly", "/root"})};
  }

  void read_mounts() {
    const nlohmann::json* mounts = array_at("/mounts");
    if (!mounts) return;
    for (size_t i = 0; i < mounts->size(); ++i) {
      std::string at = "/mounts/" + std::to_string(i);
      if (!(*mounts)[i].is_object()) throw doc_.error(at, "must be an object");
      MountFacts mount;
      mount.destination = string_at(at + "/destination").value_or("");
      mount.type = string_at(at + "/type").value_or("");
      mount.source = string_at(at + "/source").value_or("");
      mount.options = strings_at(at + "/options");
      // The source is the setting a host-mount finding is about.
      mount.where = where_first({at + "/source", at});
      add_mount(workload_, mount);
    }
  }

  void read_linux() {
    object_at("/linux");

    // Namespaces: a type not listed is shared with the host.
    const nlohmann::json* namespaces = array_at("/linux/namespaces");
    SourceLocation missing_where = where_first({"/linux/namespaces", "/linux"});
    std::vector<std::pair<std::string, std::string>> listed;  // type, path pointer
    if (namespaces) {
      for (size_t i = 0; i < namespaces->size(); ++i) {
        std::string at = "/linux/namespaces/" + std::to_string(i);
        if (!(*namespaces)[i].is_object()) throw doc_.error(at, "must be an object");
        std::optional<std::string> type = string_at(at + "/type");
        std::optional<std::string> path = string_at(at + "/path");
        if (!type) continue;
        listed.emplace_back(*type, at);
        for (const AuditedNamespace& ns : kAuditedNamespaces)
          if (ns.type == *type && path && joins_host_namespace(*path))
            workload_.host_namespaces.*ns.member = Located<bool>{true, where(at + "/path")};
      }
    }
    for (const AuditedNamespace& ns : kAuditedNamespaces) {
      bool present = std::any_of(listed.begin(), listed.end(),
                                 [&](const auto& entry) { return entry.first == ns.type; });
      if (!present) workload_.host_namespaces.*ns.member = Located<bool>{true, missing_where};
    }

    // Seccomp.
    if (object_at("/linux/seccomp")) {
      std::string default_action = string_at("/linux/seccomp/defaultAction").value_or("");
      const nlohmann::json* syscalls = array_at("/linux/seccomp/syscalls");
      bool filters_nothing =
          (default_action == "SCMP_ACT_ALLOW" || default_action == "SCMP_ACT_LOG") &&
          (!syscalls || syscalls->empty());
      workload_.seccomp =
          Located<std::string>{filters_nothing ? "unconfined" : "custom", where("/linux/seccomp")};
    }

    // Resources.
    object_at("/linux/resources");
    object_at("/linux/resources/memory");
    if (auto limit = integer_at("/linux/resources/memory/limit"); limit && *limit > 0)
      workload_.memory_limit =
          Located<std::string>{std::to_string(*limit), where("/linux/resources/memory/limit")};
    object_at("/linux/resources/pids");
    if (auto limit = integer_at("/linux/resources/pids/limit"); limit && *limit > 0)
      workload_.pids_limit =
          Located<std::string>{std::to_string(*limit), where("/linux/resources/pids/limit")};

    // Devices: nodes created in the container, and a device cgroup that allows them all.
    if (const nlohmann::json* devices = array_at("/linux/devices")) {
      for (size_t i = 0; i < devices->size(); ++i) {
        std::string at = "/linux/devices/" + std::to_string(i);
        if (!(*devices)[i].is_object()) throw doc_.error(at, "must be an object");
        std::string path = string_at(at + "/path").value_or("");
        workload_.devices.push_back({path, "", where_first({at + "/path", at})});
      }
    }
    if (const nlohmann::json* rules = array_at("/linux/resources/devices")) {
      for (size_t i = 0; i < rules->size(); ++i) {
        std::string at = "/linux/resources/devices/" + std::to_string(i);
        if (!(*rules)[i].is_object()) throw doc_.error(at, "must be an object");
        bool allow = bool_at(at + "/allow").value_or(false);
        std::string type = string_at(at + "/type").value_or("a");
        std::optional<int64_t> major = integer_at(at + "/major");
        std::optional<int64_t> minor = integer_at(at + "/minor");
        bool any_major = !major || *major < 0, any_minor = !minor || *minor < 0;
        if (allow && (type == "a" || type.empty()) && any_major && any_minor)
          workload_.devices.push_back({"*", "", where(at)});
      }
    }

    // Masked paths: none means the container reads all of /proc and /sys/firmware.
    std::vector<std::string> masked = strings_at("/linux/maskedPaths");
    workload_.proc_unmasked =
        Located<bool>{masked.empty(), where_first({"/linux/maskedPaths", "/linux"})};
    has_masked_paths_ = !masked.empty();

    if (const nlohmann::json* sysctl = object_at("/linux/sysctl")) {
      for (const auto& [name, value] : sysctl->items()) {
        std::string at = "/linux/sysctl/" + escape_pointer_token(name);
        if (!value.is_string()) throw doc_.error(at, "must be a string");
        workload_.sysctls.push_back({name, value.get<std::string>(), where(at)});
      }
    }

    if (auto propagation = string_at("/linux/rootfsPropagation");
        propagation && !propagation->empty())
      workload_.rootfs_propagation =
          Located<std::string>{*propagation, where("/linux/rootfsPropagation")};
  }

  void infer_privileged() {
    const auto& set = workload_.capabilities.effective_set;
    if (!set || !is_full_bounding_set(set->value, caps::CapSet::all())) return;
    if (workload_.seccomp && has_masked_paths_) return;
    workload_.privileged = Located<bool>{true, set->where};
  }

  const JsonDocument& doc_;
  Workload workload_;
  bool has_masked_paths_ = false;
};

}  // namespace

std::vector<Workload> read_oci_config(std::string_view text, const std::string& file) {
  JsonDocument doc = JsonDocument::parse(text, file);
  return {OciReader(doc).read(base_name(file))};
}

Workload workload_from_spec(const spec::Spec& spec, const std::string& object,
                            const caps::CapSet& grantable) {
  Workload workload;
  workload.format = InputFormat::OciConfig;
  workload.object = object;
  const SourceLocation nowhere;

  caps::CapSet bounding =
      spec.process.capabilities ? spec.process.capabilities->bounding : caps::CapSet();
  // `--cap-add ALL` gives every capability the caller holds, which on a host where root lacks
  // one (CAP_SYS_RESOURCE here) is not every capability: the checks see the set the container
  // would have had on a host that could grant them all, so it is reported as "all
  // capabilities" on every host alike.
  caps::CapSet audited = bounding;
  if (is_full_bounding_set(bounding, grantable))
    for (int cap = 0; cap <= caps::kLastCap; ++cap)
      if (!grantable.has(cap)) audited.add(cap);
  workload.capabilities.effective_set = Located<caps::CapSet>{audited, nowhere};
  workload.no_new_privileges = Located<bool>{spec.process.no_new_privileges, nowhere};
  if (!spec.process.apparmor_profile.empty())
    workload.apparmor = Located<std::string>{spec.process.apparmor_profile, nowhere};
  if (!spec.process.selinux_label.empty())
    workload.selinux = Located<std::string>{selinux_setting(spec.process.selinux_label), nowhere};
  workload.user = Located<std::string>{
      std::to_string(spec.process.user.uid) + ":" + std::to_string(spec.process.user.gid), nowhere};
  workload.read_only_rootfs = Located<bool>{spec.root.readonly, nowhere};

  for (const spec::Mount& mount : spec.mounts)
    add_mount(workload, {mount.destination, mount.type, mount.source, mount.options, nowhere});

  const spec::Linux& linux = spec.linux;
  for (const AuditedNamespace& ns : kAuditedNamespaces) {
    auto type = spec::namespace_type_from_name(ns.type);
    const spec::Namespace* found = type ? linux.find_namespace(*type) : nullptr;
    if (!found || joins_host_namespace(found->path))
      workload.host_namespaces.*ns.member = Located<bool>{true, nowhere};
  }

  // A spec `bulkhead run` built has no seccomp filter only when asked for none
  // (seccomp=unconfined or --privileged): the container runs unfiltered, which is what
  // "unconfined" means, rather than a file that merely forgot to name a profile.
  if (!linux.seccomp) {
    workload.seccomp = Located<std::string>{"unconfined", nowhere};
  } else {
    using seccomp::ActionKind;
    ActionKind action = linux.seccomp->default_action;
    bool filters_nothing = (action == ActionKind::Allow || action == ActionKind::Log) &&
                           linux.seccomp->syscalls.empty();
    workload.seccomp = Located<std::string>{filters_nothing ? "unconfined" : "custom", nowhere};
  }

  if (linux.resources) {
    if (linux.resources->memory_limit && *linux.resources->memory_limit > 0)
      workload.memory_limit =
          Located<std::string>{std::to_string(*linux.resources->memory_limit), nowhere};
    if (linux.resources->pids_limit && *linux.resources->pids_limit > 0)
      workload.pids_limit =
          Located<std::string>{std::to_string(*linux.resources->pids_limit), nowhere};
  }
  workload.proc_unmasked = Located<bool>{linux.masked_paths.empty(), nowhere};
  for (const auto& [name, value] : linux.sysctl) workload.sysctls.push_back({name, value, nowhere});
  if (!linux.rootfs_propagation.empty())
    workload.rootfs_propagation = Located<std::string>{linux.rootfs_propagation, nowhere};

  if (is_full_bounding_set(bounding, grantable) && (!linux.seccomp || linux.masked_paths.empty()))
    workload.privileged = Located<bool>{true, nowhere};
  return workload;
}

Workload workload_from_spec(const spec::Spec& spec, const std::string& object) {
  return workload_from_spec(spec, object, caps::CapSet::all());
}

}  // namespace bulkhead::audit
