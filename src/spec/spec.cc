#include "spec/spec.h"

#include <array>
#include <limits>
#include <set>

#include "base/json_reader.h"
#include "base/strings.h"
#include "seccomp/action.h"

namespace bulkhead::spec {

namespace {

using nlohmann::json;

constexpr std::array<std::pair<NamespaceType, std::string_view>, 8> kNamespaceNames = {{
    {NamespaceType::Pid, "pid"},
    {NamespaceType::Network, "network"},
    {NamespaceType::Mount, "mount"},
    {NamespaceType::Ipc, "ipc"},
    {NamespaceType::Uts, "uts"},
    {NamespaceType::User, "user"},
    {NamespaceType::Cgroup, "cgroup"},
    {NamespaceType::Time, "time"},
}};

constexpr std::array<std::string_view, 16> kRlimitTypes = {
    "RLIMIT_AS",     "RLIMIT_CORE",   "RLIMIT_CPU",        "RLIMIT_DATA",
    "RLIMIT_FSIZE",  "RLIMIT_LOCKS",  "RLIMIT_MEMLOCK",    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",   "RLIMIT_NOFILE", "RLIMIT_NPROC",      "RLIMIT_RSS",
    "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK"};

// One JSON object of the spec: members Bulkhead does not know, or knows but cannot enforce,
// are refused, so nothing asked for is silently dropped.
using Reader = JsonObjectReader;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

User read_user(const JsonDocument& doc, const std::string& pointer) {
  Reader r(doc, pointer, {"uid", "gid", "umask", "additionalGids"}, {"username"});
  User user;
  user.uid = r.id("uid");
  user.gid = r.id("gid");
  if (r.has("umask")) user.umask = static_cast<uint32_t>(r.unsigned_integer("umask", 0777));
  size_t n = r.array_size("additionalGids");
  for (size_t i = 0; i < n; ++i) {
    const auto& v = r.value("additionalGids")[i];
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
      throw doc.error(r.element("additionalGids", i),
                      "expected a group id (non-negative integer), got " + json_type_name(v));
    if (v.get<uint64_t>() > std::numeric_limits<uint32_t>::max())
      throw doc.error(r.element("additionalGids", i), "group id out of range");
    user.additional_gids.push_back(static_cast<uint32_t>(v.get<uint64_t>()));
  }
  return user;
}

caps::CapSet read_cap_set(const Reader& r, const std::string& key) {
  caps::CapSet set;
  auto names = r.strings(key);
  for (size_t i = 0; i < names.size(); ++i) {
    auto cap = caps::cap_from_name(names[i]);
    if (!cap) throw r.doc().error(r.element(key, i), "unknown capability \"" + names[i] + "\"");
    set.add(*cap);
  }
  return set;
}

Capabilities read_capabilities(const JsonDocument& doc, const std::string& pointer) {
  Reader r(doc, pointer, {"bounding", "effective", "inheritable", "permitted", "ambient"});
  return Capabilities{read_cap_set(r, "bounding"), read_cap_set(r, "effective"),
                      read_cap_set(r, "inheritable"), read_cap_set(r, "permitted"),
                      read_cap_set(r, "ambient")};
}

std::vector<Rlimit> read_rlimits(const Reader& process) {
  std::vector<Rlimit> out;
  std::set<std::string> seen;
  size_t n = process.array_size("rlimits");
  for (size_t i = 0; i < n; ++i) {
    Reader r(process.doc(), process.element("rlimits", i), {"type", "hard", "soft"});
    Rlimit limit;
    limit.type = r.required_string("type");
    bool known = false;
    for (auto t : kRlimitTypes) known = known || t == limit.type;
    if (!known)
      throw r.doc().error(r.at("type"), "unknown rlimit type \"" + limit.type +
                                            "\" (expected RLIMIT_NOFILE, RLIMIT_NPROC, …)");
    if (!seen.insert(limit.type).second)
      throw r.doc().error(r.at("type"), limit.type + " is given twice");
    for (const char* key : {"hard", "soft"})
      if (!r.has(key)) throw r.doc().error(r.at(key), "missing (an integer is required)");
    limit.hard = r.unsigned_integer("hard", std::numeric_limits<uint64_t>::max());
    limit.soft = r.unsigned_integer("soft", std::numeric_limits<uint64_t>::max());
    if (limit.soft > limit.hard)
      throw r.doc().error(r.at("soft"), "soft limit " + std::to_string(limit.soft) +
                                            " is above the hard limit " +
                                            std::to_string(limit.hard));
    out.push_back(std::move(limit));
  }
  return out;
}

Process read_process(const JsonDocument& doc, const std::string& pointer) {
  Reader r(doc, pointer,
           {"terminal", "consoleSize", "user", "args", "env", "cwd", "capabilities", "rlimits",
            "noNewPrivileges", "apparmorProfile", "selinuxLabel", "oomScoreAdj"},
           {"commandLine", "ioPriority", "scheduler", "execCPUAffinity"});
  Process p;
  p.terminal = r.boolean("terminal");
  if (r.has("consoleSize")) {
    Reader c(doc, r.at("consoleSize"), {"height", "width"});
    ConsoleSize size;
    if (c.has("height")) size.height = static_cast<unsigned>(c.unsigned_integer("height", 65535));
    if (c.has("width")) size.width = static_cast<unsigned>(c.unsigned_integer("width", 65535));
    p.console_size = size;
  }
  if (r.has("user")) p.user = read_user(doc, r.at("user"));
  p.args = r.strings("args");
  if (p.args.empty())
    throw doc.error(r.at("args"), "missing: the process needs at least one argument");
  p.env = r.strings("env");
  for (size_t i = 0; i < p.env.size(); ++i)
    if (p.env[i].find('=') == std::string::npos || p.env[i].front() == '=')
      throw doc.error(r.element("env", i), "expected KEY=value, got \"" + p.env[i] + "\"");
  p.cwd = r.required_string("cwd");
  if (p.cwd.empty() || p.cwd.front() != '/')
    throw doc.error(r.at("cwd"), "must be an absolute path, got \"" + p.cwd + "\"");
  if (r.has("capabilities")) p.capabilities = read_capabilities(doc, r.at("capabilities"));
  p.rlimits = read_rlimits(r);
  p.no_new_privileges = r.boolean("noNewPrivileges");
  p.apparmor_profile = r.string("apparmorProfile");
  p.selinux_label = r.string("selinuxLabel");
  if (r.has("oomScoreAdj"))
    p.oom_score_adj = static_cast<int>(r.integer("oomScoreAdj", -1000, 1000));
  return p;
}

Root read_root(const JsonDocument& doc, const std::string& pointer) {
  Reader r(doc, pointer, {"path", "readonly"});
  Root root;
  root.path = r.required_string("path");
  if (root.path.empty()) throw doc.error(r.at("path"), "must not be empty");
  root.readonly = r.boolean("readonly");
  return root;
}

std::vector<Mount> read_mounts(const Reader& top) {
  std::vector<Mount> out;
  size_t n = top.array_size("mounts");
  for (size_t i = 0; i < n; ++i) {
    // A mount asking for an id mapping (uidMappings/gidMappings) is refused: Bulkhead makes no
    // idmapped mounts, and a mount without the mapping would show other owners than asked.
    Reader r(top.doc(), top.element("mounts", i), {"destination", "type", "source", "options"},
             {"uidMappings", "gidMappings"});
    Mount m;
    m.destination = r.required_string("destination");
    if (m.destination.empty() || m.destination.front() != '/')
      throw r.doc().error(r.at("destination"),
                          "must be an absolute path, got \"" + m.destination + "\"");
    m.type = r.string("type");
    m.source = r.string("source");
    m.options = r.strings("options");
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<IdMapping> read_id_mappings(const Reader& linux, const std::string& key) {
  std::vector<IdMapping> out;
  size_t n = linux.array_size(key);
  for (size_t i = 0; i < n; ++i) {
    Reader r(linux.doc(), linux.element(key, i), {"containerID", "hostID", "size"});
    IdMapping m;
    m.container_id = r.id("containerID");
    m.host_id = r.id("hostID");
    m.size = r.id("size");
    if (m.size == 0) throw r.doc().error(r.at("size"), "must be at least 1");
    out.push_back(m);
  }
  return out;
}

std::vector<Namespace> read_namespaces(const Reader& linux) {
  std::vector<Namespace> out;
  size_t n = linux.array_size("namespaces");
  for (size_t i = 0; i < n; ++i) {
    Reader r(linux.doc(), linux.element("namespaces", i), {"type", "path"});
    std::string name = r.required_string("type");
    auto type = namespace_type_from_name(name);
    if (!type)
      throw r.doc().error(r.at("type"),
                          "unknown namespace type \"" + name +
                              "\" (expected pid, network, mount, ipc, uts, user, cgroup or time)");
    for (const auto& earlier : out)
      if (earlier.type == *type)
        throw r.doc().error(r.at("type"), "namespace \"" + name + "\" is given twice");
    Namespace ns{*type, r.string("path")};
    if (!ns.path.empty() && ns.path.front() != '/')
      throw r.doc().error(r.at("path"), "must be an absolute path, got \"" + ns.path + "\"");
    out.push_back(std::move(ns));
  }
  return out;
}

Resources read_resources(const JsonDocument& doc, const std::string& pointer) {
  // Only the limits the runtime applies; any other limit that is set is refused, because a
  // container that silently runs without a limit it was given is weaker than asked.
  Reader r(doc, pointer, {"memory", "pids", "cpu"},
           {"devices", "blockIO", "hugepageLimits", "network", "rdma", "unified"});
  Resources res;
  if (r.has("memory")) {
    Reader m(doc, r.at("memory"), {"limit", "swap"},
             {"reservation", "kernel", "kernelTCP", "swappiness", "disableOOMKiller",
              "useHierarchy", "checkBeforeUpdate"});
    if (m.has("limit")) res.memory_limit = m.integer("limit", -1, kInt64Max);
    if (m.has("swap")) res.memory_swap = m.integer("swap", -1, kInt64Max);
  }
  if (r.has("pids")) {
    Reader p(doc, r.at("pids"), {"limit"});
    if (p.has("limit")) res.pids_limit = p.integer("limit", -1, kInt64Max);
  }
  if (r.has("cpu")) {
    Reader c(doc, r.at("cpu"), {"quota", "period", "shares"},
             {"realtimeRuntime", "realtimePeriod", "cpus", "mems", "idle", "burst"});
    if (c.has("quota")) res.cpu_quota = c.integer("quota", kInt64Min, kInt64Max);
    if (c.has("period"))
      res.cpu_period = c.unsigned_integer("period", std::numeric_limits<uint64_t>::max());
    if (c.has("shares"))
      res.cpu_shares = c.unsigned_integer("shares", std::numeric_limits<uint64_t>::max());
  }
  return res;
}

seccomp::Profile read_seccomp(const JsonDocument& doc, const std::string& pointer) {
  auto profile = seccomp::parse_profile_at(doc, pointer);
  // The OCI form has no Docker conditions: they are decided when the spec is written
  // (seccomp::flatten), and a spec that still has them would mean different things to
  // different runtimes.
  if (!profile.arch_map.empty())
    throw doc.error(pointer + "/archMap",
                    "not part of the OCI spec: list the architectures in \"architectures\"");
  for (size_t i = 0; i < profile.syscalls.size(); ++i) {
    const auto& rule = profile.syscalls[i];
    std::string rp = pointer + "/syscalls/" + std::to_string(i);
    if (!rule.includes.empty())
      throw doc.error(rp + "/includes",
                      "Docker's conditional rules are not part of the OCI spec: decide them "
                      "when writing the spec");
    if (!rule.excludes.empty())
      throw doc.error(rp + "/excludes",
                      "Docker's conditional rules are not part of the OCI spec: decide them "
                      "when writing the spec");
  }
  return profile;
}

Linux read_linux(const JsonDocument& doc, const std::string& pointer) {
  Reader r(doc, pointer,
           {"namespaces", "uidMappings", "gidMappings", "sysctl", "resources", "cgroupsPath",
            "seccomp", "rootfsPropagation", "maskedPaths", "readonlyPaths", "mountLabel"},
           {"devices", "intelRdt", "personality", "timeOffsets", "memoryPolicy", "netDevices"});
  Linux l;
  l.namespaces = read_namespaces(r);
  l.uid_mappings = read_id_mappings(r, "uidMappings");
  l.gid_mappings = read_id_mappings(r, "gidMappings");
  l.sysctl = r.string_map("sysctl");
  if (r.has("resources")) {
    auto res = read_resources(doc, r.at("resources"));
    if (!res.empty()) l.resources = res;
  }
  l.cgroups_path = r.string("cgroupsPath");
  if (r.has("seccomp")) l.seccomp = read_seccomp(doc, r.at("seccomp"));
  l.rootfs_propagation = r.string("rootfsPropagation");
  if (!l.rootfs_propagation.empty()) {
    static constexpr std::array<std::string_view, 8> kPropagations = {
        "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"};
    bool known = false;
    for (auto p : kPropagations) known = known || p == l.rootfs_propagation;
    if (!known)
      throw doc.error(r.at("rootfsPropagation"),
                      "unknown propagation \"" + l.rootfs_propagation +
                          "\" (expected private, rprivate, slave, rslave, shared, rshared, "
                          "unbindable or runbindable)");
  }
  l.masked_paths = r.strings("maskedPaths");
  l.readonly_paths = r.strings("readonlyPaths");
  for (const char* key : {"maskedPaths", "readonlyPaths"}) {
    auto paths = r.strings(key);
    for (size_t i = 0; i < paths.size(); ++i)
      if (paths[i].empty() || paths[i].front() != '/')
        throw doc.error(r.element(key, i), "must be an absolute path, got \"" + paths[i] + "\"");
  }
  l.mount_label = r.string("mountLabel");
  return l;
}

json id_mappings_json(const std::vector<IdMapping>& mappings) {
  json out = json::array();
  for (const auto& m : mappings)
    out.push_back({{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}});
  return out;
}

// OCI's linux.seccomp: the Docker form less what OCI does not have. A profile still holding
// conditions (archMap, includes/excludes) is a bug here: dropping them would change the filter.
json seccomp_json(const seccomp::Profile& p) {
  auto unflattened = [&](const std::string& what) {
    return Error("seccomp profile \"" + p.source + "\" still has " + what +
                 ": flatten it (seccomp::flatten) before writing a spec");
  };
  if (!p.arch_map.empty()) throw unflattened("an archMap");
  for (const auto& rule : p.syscalls) {
    if (!rule.includes.empty() || !rule.excludes.empty()) throw unflattened("includes/excludes");
  }
  json out = seccomp::profile_to_json(p);
  for (json& rule : out["syscalls"]) rule.erase("comment");
  return out;
}

}  // namespace

std::string_view namespace_type_name(NamespaceType type) {
  for (const auto& [t, name] : kNamespaceNames)
    if (t == type) return name;
  return "unknown";
}

std::optional<NamespaceType> namespace_type_from_name(std::string_view name) {
  for (const auto& [t, n] : kNamespaceNames)
    if (n == name) return t;
  return std::nullopt;
}

bool Linux::has_namespace(NamespaceType type) const {
  return find_namespace(type) != nullptr;
}

const Namespace* Linux::find_namespace(NamespaceType type) const {
  for (const auto& ns : namespaces)
    if (ns.type == type) return &ns;
  return nullptr;
}

Spec parse_spec(const JsonDocument& doc) {
  if (!doc.root().is_object())
    throw doc.error("", "expected an OCI runtime config object, got " + json_type_name(doc.root()));
  Reader r(doc, "", {"ociVersion", "process", "root", "hostname", "mounts", "linux", "annotations"},
           {"hooks", "domainname", "solaris", "windows", "vm", "zos"});
  Spec spec;
  spec.oci_version = r.required_string("ociVersion");
  if (!spec.oci_version.starts_with("1."))
    throw doc.error(r.at("ociVersion"),
                    "unsupported version \"" + spec.oci_version + "\" (expected 1.x)");
  if (!r.has("process")) throw doc.error(r.at("process"), "missing: the spec needs a process");
  spec.process = read_process(doc, r.at("process"));
  if (!r.has("root")) throw doc.error(r.at("root"), "missing: the spec needs a root filesystem");
  spec.root = read_root(doc, r.at("root"));
  spec.hostname = r.string("hostname");
  spec.mounts = read_mounts(r);
  if (r.has("linux")) spec.linux = read_linux(doc, r.at("linux"));
  spec.annotations = r.string_map("annotations");
  return spec;
}

Spec parse_spec(std::string_view text, const std::string& source) {
  return parse_spec(JsonDocument::parse(text, source));
}

json spec_to_json(const Spec& spec) {
  json out = json::object();
  out["ociVersion"] = spec.oci_version;

  const Process& p = spec.process;
  json process = json::object();
  process["terminal"] = p.terminal;
  if (p.console_size)
    process["consoleSize"] = {{"height", p.console_size->height}, {"width", p.console_size->width}};
  json user = {{"uid", p.user.uid}, {"gid", p.user.gid}};
  if (p.user.umask) user["umask"] = *p.user.umask;
  if (!p.user.additional_gids.empty()) user["additionalGids"] = p.user.additional_gids;
  process["user"] = std::move(user);
  process["args"] = p.args;
  if (!p.env.empty()) process["env"] = p.env;
  process["cwd"] = p.cwd;
  if (p.capabilities)
    process["capabilities"] = {{"bounding", p.capabilities->bounding.names()},
                               {"effective", p.capabilities->effective.names()},
                               {"inheritable", p.capabilities->inheritable.names()},
                               {"permitted", p.capabilities->permitted.names()},
                               {"ambient", p.capabilities->ambient.names()}};
  if (!p.rlimits.empty()) {
    process["rlimits"] = json::array();
    for (const auto& r : p.rlimits)
      process["rlimits"].push_back({{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}});
  }
  process["noNewPrivileges"] = p.no_new_privileges;
  if (!p.apparmor_profile.empty()) process["apparmorProfile"] = p.apparmor_profile;
  if (!p.selinux_label.empty()) process["selinuxLabel"] = p.selinux_label;
  if (p.oom_score_adj) process["oomScoreAdj"] = *p.oom_score_adj;
  out["process"] = std::move(process);

  out["root"] = {{"path", spec.root.path}, {"readonly", spec.root.readonly}};
  if (!spec.hostname.empty()) out["hostname"] = spec.hostname;

  out["mounts"] = json::array();
  for (const auto& m : spec.mounts) {
    json j = {{"destination", m.destination}};
    if (!m.type.empty()) j["type"] = m.type;
    if (!m.source.empty()) j["source"] = m.source;
    if (!m.options.empty()) j["options"] = m.options;
    out["mounts"].push_back(std::move(j));
  }

  const Linux& l = spec.linux;
  json linux = json::object();
  if (!l.uid_mappings.empty()) linux["uidMappings"] = id_mappings_json(l.uid_mappings);
  if (!l.gid_mappings.empty()) linux["gidMappings"] = id_mappings_json(l.gid_mappings);
  if (!l.sysctl.empty()) linux["sysctl"] = l.sysctl;
  if (l.resources && !l.resources->empty()) {
    const Resources& r = *l.resources;
    json res = json::object();
    if (r.memory_limit || r.memory_swap) {
      json memory = json::object();
      if (r.memory_limit) memory["limit"] = *r.memory_limit;
      if (r.memory_swap) memory["swap"] = *r.memory_swap;
      res["memory"] = std::move(memory);
    }
    if (r.pids_limit) res["pids"] = {{"limit", *r.pids_limit}};
    if (r.cpu_quota || r.cpu_period || r.cpu_shares) {
      json cpu = json::object();
      if (r.cpu_quota) cpu["quota"] = *r.cpu_quota;
      if (r.cpu_period) cpu["period"] = *r.cpu_period;
      if (r.cpu_shares) cpu["shares"] = *r.cpu_shares;
      res["cpu"] = std::move(cpu);
    }
    linux["resources"] = std::move(res);
  }
  if (!l.cgroups_path.empty()) linux["cgroupsPath"] = l.cgroups_path;
  linux["namespaces"] = json::array();
  for (const auto& ns : l.namespaces) {
    json j = {{"type", namespace_type_name(ns.type)}};
    if (!ns.path.empty()) j["path"] = ns.path;
    linux["namespaces"].push_back(std::move(j));
  }
  if (l.seccomp) linux["seccomp"] = seccomp_json(*l.seccomp);
  if (!l.rootfs_propagation.empty()) linux["rootfsPropagation"] = l.rootfs_propagation;
  if (!l.masked_paths.empty()) linux["maskedPaths"] = l.masked_paths;
  if (!l.readonly_paths.empty()) linux["readonlyPaths"] = l.readonly_paths;
  if (!l.mount_label.empty()) linux["mountLabel"] = l.mount_label;
  out["linux"] = std::move(linux);

  if (!spec.annotations.empty()) out["annotations"] = spec.annotations;
  return out;
}

}  // namespace bulkhead::spec
