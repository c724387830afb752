// Kubernetes manifests → workloads: one per container of every Pod, Deployment, StatefulSet,
// DaemonSet, ReplicaSet, ReplicationController, Job and CronJob, with the pod-level settings
// merged in the way the kubelet merges them.
//
// Decisions worth knowing when reading findings:
// - Precedence (as the kubelet resolves it): the container's securityContext overrides the pod's
//   for runAsUser, runAsNonRoot, seLinuxOptions (the whole struct), seccompProfile and
//   appArmorProfile. For seccomp and AppArmor the deprecated annotations sit between the two:
//   container field > container annotation > pod field > pod annotation (seccomp only).
// - hostPath mounts are located at the container's volumeMounts item (the place that makes the
//   host path visible in *this* container); the source is hostPath.path joined with the mount's
//   subPath (what is really mounted), normalised. subPathExpr cannot be resolved statically, so
//   the whole hostPath.path counts.
// - Pod-level settings (hostPID, sysctls, …) are reported once per container, at the pod-level
//   line: each container is a separate object of the report.
// - Kubernetes has no per-pod pids limit in the pod spec (it is a kubelet setting), so
//   pids_limit is never set and BH-NO-PIDS-LIMIT does not apply to this format.
// - Values of the wrong type (a quoted "true" for a boolean, a list where a mapping belongs) are
//   errors, as they are for kubectl: a file the API server would refuse is not half-audited.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/inputs.h"
#include "audit/yaml_positions.h"
#include "base/error.h"
#include "base/strings.h"
#include "base/yaml_documents.h"

namespace bulkhead::audit {

namespace {

// Bounds that keep a hostile file from costing more than a real one ever could: YAML aliases
// let a small file name the same big pod many times.
constexpr std::size_t kMaxDocuments = 100000;
constexpr std::size_t kMaxWorkloads = 100000;
constexpr std::size_t kMaxListItems = 2000000;   // list items read, over the whole file
constexpr std::size_t kMaxKeyVisits = 50000000;  // mapping keys compared, over the whole file
constexpr int kMaxMergeDepth = 8;                // `<<` merge keys inside merged mappings

constexpr std::string_view kSeccompPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
constexpr std::string_view kSeccompContainerAnnotation =
    "container.seccomp.security.alpha.kubernetes.io/";
constexpr std::string_view kAppArmorContainerAnnotation =
    "container.apparmor.security.beta.kubernetes.io/";

// Kinds whose pod template is at spec.template.
constexpr std::string_view kTemplateKinds[] = {"Deployment", "StatefulSet",           "DaemonSet",
                                               "ReplicaSet", "ReplicationController", "Job"};

// A node with the dotted path that names it in error messages
// ("spec.template.spec.containers[0].securityContext") and, for mapping members, its key.
struct Field {
  YAML::Node key;  // undefined for documents and list items
  YAML::Node value;
  std::string path;
};

std::string shape_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

std::string member_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

// A quoted scalar is a string to Kubernetes even when it reads "true" or "0".
bool is_quoted(const YAML::Node& node) {
  return node.Tag() == "!";
}

// "net/ipv4/conf/eth0.100/rp_filter" → "net.ipv4.conf.eth0/100.rp_filter": Kubernetes accepts
// slashes as separators, and then a dot belongs to a name (an interface), as in sysctl(8).
std::string normalise_sysctl_name(std::string_view name) {
  std::string out(trim(name));
  if (out.find('/') == std::string::npos) return out;
  for (char& c : out) {
    if (c == '/')
      c = '.';
    else if (c == '.')
      c = '/';
  }
  return out;
}

std::string canonical_capability(std::string_view name) {
  std::string upper = to_upper(trim(name));
  if (upper.starts_with("CAP_")) upper.erase(0, 4);
  return upper;
}

// "runtime/default" and the older "docker/default" both name the runtime's default profile.
std::string seccomp_from_annotation(std::string_view value) {
  std::string text(trim(value));
  if (text == "runtime/default" || text == "docker/default") return "default";
  return text;
}

// Settings the container's securityContext can override from the pod's.
struct SecurityDefaults {
  std::optional<Located<std::string>> run_as_user;
  std::optional<Located<bool>> run_as_non_root;
  std::optional<Located<std::string>> seccomp;
  std::optional<Located<std::string>> selinux;
  std::optional<Located<std::string>> apparmor;
  std::optional<Located<bool>> host_process;  // windowsOptions.hostProcess
};

struct PodVolume {
  bool host_path = false;
  std::string path;  // hostPath.path as written
  std::string type;  // hostPath.type
};

// Everything the pod says that applies to each of its containers.
struct PodLevel {
  std::string object_prefix;  // "Deployment prod/api"
  SecurityDefaults security;
  std::optional<Located<std::string>> seccomp_annotation;
  std::map<std::string, Located<std::string>> container_seccomp_annotations;
  std::map<std::string, Located<std::string>> container_apparmor_annotations;
  HostNamespaces host_namespaces;
  std::vector<Sysctl> sysctls;
  std::map<std::string, PodVolume> volumes;
};

// What reading a file has produced and spent so far, across its documents.
struct ReadState {
  std::vector<Workload> workloads;
  std::size_t documents = 0;
  std::size_t list_items = 0;  // every list item visited, and every pod-level item copied
  std::size_t key_visits = 0;  // every mapping key looked at while finding a member
};

// Reads the objects of one YAML document.
class DocumentReader {
 public:
  DocumentReader(const std::string& file, int line_offset, ReadState& state)
      : file_(file), line_offset_(line_offset), state_(state), out_(state.workloads) {}

  void read(const YAML::Node& document) {
    if (!document.IsDefined() || document.IsNull()) return;  // empty or comments only
    read_object(Field{YAML::Node(), document, ""}, false);
  }

 private:
  const std::string& file_;
  int line_offset_;
  ReadState& state_;
  std::vector<Workload>& out_;
  mutable std::map<std::pair<int, std::string>, std::optional<Field>> lookups_;

  // Aliases let a few bytes name a long list many times over (a pod's sysctls copied into each
  // of its containers, in each of many aliased pods): the reader's work is bounded instead.
  void spend(std::size_t items, const Field& at) const {
    state_.list_items += items;
    if (state_.list_items > kMaxListItems)
      fail(at, "too large: more than " + std::to_string(kMaxListItems) +
                   " list items to read (YAML aliases repeating lists?)");
  }
  void spend_keys(std::size_t keys, const Field& at) const {
    state_.key_visits += keys;
    if (state_.key_visits > kMaxKeyVisits)
      fail(at,
           "too large: more than " + std::to_string(kMaxKeyVisits) +
               " mapping keys to look through (YAML aliases or merge keys repeating mappings?)");
  }

  // -- Positions and errors

  SourceLocation where(const YAML::Node& node) const {
    SourceLocation at = location_of(node, file_);
    if (at.line > 0) at.line += line_offset_;
    return at;
  }
  // A member's place is its key (the `privileged:` of `privileged: true`).
  SourceLocation where(const Field& field) const {
    return field.key.IsDefined() ? where(field.key) : where(field.value);
  }
  [[noreturn]] void fail(const Field& field, const std::string& message) const {
    throw Error(where(field.value), field.path, message);
  }

  // -- Typed access

  // The member `key` of a mapping (looking through `<<` merge keys too); nullopt when absent
  // or null, which Kubernetes treats alike.
  std::optional<Field> member(const Field& map, std::string_view key) const {
    std::optional<Field> found = cached_member(map, map.value, key, 0);
    if (!found || found->value.IsNull()) return std::nullopt;
    found->path = member_path(map.path, key);
    return found;
  }

  // Aliases make one mapping reachable from many places (every container of many aliased pods);
  // each mapping is searched for a key once. A node's offset in the text identifies it: aliases
  // share their anchor's node, and two mappings never start at the same place.
  std::optional<Field> cached_member(const Field& origin, const YAML::Node& map,
                                     std::string_view key, int depth) const {
    int offset = map.Mark().pos;
    if (offset < 0) return find_member(origin, map, key, depth);
    auto cache_key = std::pair{offset, std::string(key)};
    auto it = lookups_.find(cache_key);
    if (it != lookups_.end()) return it->second;
    std::optional<Field> found = find_member(origin, map, key, depth);
    lookups_.emplace(std::move(cache_key), found);
    return found;
  }

  std::optional<Field> find_member(const Field& origin, const YAML::Node& map, std::string_view key,
                                   int depth) const {
    std::vector<YAML::Node> merges;
    for (auto it = map.begin(); it != map.end(); ++it) {
      spend_keys(1, origin);
      if (!it->first.IsScalar()) continue;
      const std::string& name = it->first.Scalar();
      if (name == key) return Field{it->first, it->second, ""};
      if (name == "<<" && !is_quoted(it->first) && depth < kMaxMergeDepth)
        merges.push_back(it->second);
    }
    for (const YAML::Node& merged : merges) {
      if (merged.IsMap()) {
        if (auto found = cached_member(origin, merged, key, depth + 1)) return found;
      } else if (merged.IsSequence()) {
        for (const YAML::Node& source : merged) {
          spend_keys(1, origin);
          if (source.IsMap())
            if (auto found = cached_member(origin, source, key, depth + 1)) return found;
        }
      }
    }
    return std::nullopt;
  }

  std::optional<Field> map_member(const Field& map, std::string_view key) const {
    std::optional<Field> found = member(map, key);
    if (found && !found->value.IsMap())
      fail(*found, "must be a mapping, found " + shape_of(found->value));
    return found;
  }

  std::optional<Field> list_member(const Field& map, std::string_view key) const {
    std::optional<Field> found = member(map, key);
    if (found && !found->value.IsSequence())
      fail(*found, "must be a list, found " + shape_of(found->value));
    return found;
  }

  std::vector<Field> items(const Field& list) const {
    spend(list.value.size(), list);
    std::vector<Field> out;
    std::size_t index = 0;
    for (const YAML::Node& item : list.value)
      out.push_back(Field{YAML::Node(), item, list.path + "[" + std::to_string(index++) + "]"});
    return out;
  }

  // A list item that must be a mapping (a container, a volume, a volumeMount).
  void require_map(const Field& field, std::string_view what) const {
    if (!field.value.IsMap())
      fail(field, std::string(what) + " must be a mapping, found " + shape_of(field.value));
  }

  std::optional<Located<std::string>> string_member(const Field& map, std::string_view key) const {
    std::optional<Field> found = member(map, key);
    if (!found) return std::nullopt;
    if (!found->value.IsScalar()) fail(*found, "must be a string, found " + shape_of(found->value));
    return Located<std::string>{found->value.Scalar(), where(*found)};
  }

  std::optional<Located<bool>> bool_member(const Field& map, std::string_view key) const {
    std::optional<Field> found = member(map, key);
    if (!found) return std::nullopt;
    bool value = false;
    if (!found->value.IsScalar() || is_quoted(found->value) ||
        !YAML::convert<bool>::decode(found->value, value))
      fail(*found, "must be true or false, found " + describe(found->value));
    return Located<bool>{value, where(*found)};
  }

  std::optional<Located<uint64_t>> uint_member(const Field& map, std::string_view key) const {
    std::optional<Field> found = member(map, key);
    if (!found) return std::nullopt;
    std::optional<uint64_t> value;
    if (found->value.IsScalar() && !is_quoted(found->value))
      value = parse_uint64(trim(found->value.Scalar()));
    if (!value || *value > static_cast<uint64_t>(INT64_MAX))
      fail(*found, "must be a non-negative integer, found " + describe(found->value));
    return Located<uint64_t>{*value, where(*found)};
  }

  // A value as an error message shows it: short, quoted when it is text.
  static std::string describe(const YAML::Node& node) {
    if (!node.IsScalar()) return shape_of(node);
    std::string text = node.Scalar();
    if (text.size() > 40) text = text.substr(0, 40) + "…";
    return "\"" + text + "\"";
  }

  // -- Objects

  void read_object(const Field& object, bool inside_list) {
    if (!object.value.IsMap())
      fail(object, "a Kubernetes object must be a mapping, found " + shape_of(object.value));
    std::optional<Located<std::string>> kind = string_member(object, "kind");
    if (!kind) return;  // not an API object (a values file, a kustomization patch…)

    if (kind->value == "List" || kind->value.ends_with("List")) {
      if (inside_list)
        fail(*member(object, "kind"), "a List inside a List is not a Kubernetes object");
      if (std::optional<Field> list = list_member(object, "items"))
        for (const Field& item : items(*list)) read_object(item, true);
      return;
    }

    std::optional<Field> pod_template;  // a mapping with metadata and spec, like a Pod
    if (kind->value == "Pod") {
      pod_template = object;
    } else if (std::find(std::begin(kTemplateKinds), std::end(kTemplateKinds), kind->value) !=
               std::end(kTemplateKinds)) {
      if (auto spec = map_member(object, "spec")) pod_template = map_member(*spec, "template");
    } else if (kind->value == "CronJob") {
      if (auto spec = map_member(object, "spec"))
        if (auto job = map_member(*spec, "jobTemplate"))
          if (auto job_spec = map_member(*job, "spec"))
            pod_template = map_member(*job_spec, "template");
    } else {
      return;  // Services, ConfigMaps, … run no containers
    }
    if (!pod_template) return;

    std::string name = "(unnamed)";
    std::string name_space = "default";
    if (auto metadata = map_member(object, "metadata")) {
      if (auto value = string_member(*metadata, "name"); value && !value->value.empty())
        name = value->value;
      else if (auto generated = string_member(*metadata, "generateName");
               generated && !generated->value.empty())
        name = generated->value;
      if (auto value = string_member(*metadata, "namespace"); value && !value->value.empty())
        name_space = value->value;
    }
    read_pod(*pod_template, kind->value + " " + name_space + "/" + name);
  }

  // -- Pod level

  void read_pod(const Field& pod, const std::string& object_prefix) {
    PodLevel level;
    level.object_prefix = object_prefix;
    if (auto metadata = map_member(pod, "metadata"))
      if (auto annotations = map_member(*metadata, "annotations"))
        read_annotations(*annotations, level);

    std::optional<Field> spec = map_member(pod, "spec");
    if (!spec) return;
    if (auto context = map_member(*spec, "securityContext")) {
      read_security_defaults(*context, level.security);
      if (auto sysctls = list_member(*context, "sysctls")) read_sysctls(*sysctls, level);
    }
    for (auto [key, slot] : {std::pair{"hostPID", &level.host_namespaces.pid},
                             std::pair{"hostIPC", &level.host_namespaces.ipc},
                             std::pair{"hostNetwork", &level.host_namespaces.network}}) {
      std::optional<Located<bool>> flag = bool_member(*spec, key);
      if (flag && flag->value) *slot = flag;
    }
    // hostUsers: false gives the pod its own user namespace; only an explicit true is a
    // request for the host's (absent means the cluster's default, today the host's too, but
    // that is a cluster property rather than something this manifest asks for).
    if (std::optional<Located<bool>> host_users = bool_member(*spec, "hostUsers");
        host_users && host_users->value)
      level.host_namespaces.user = host_users;
    if (auto volumes = list_member(*spec, "volumes")) read_volumes(*volumes, level);

    for (auto [key, label] :
         {std::pair{"containers", "container"}, std::pair{"initContainers", "init container"},
          std::pair{"ephemeralContainers", "ephemeral container"}}) {
      if (auto containers = list_member(*spec, key))
        for (const Field& container : items(*containers)) read_container(container, label, level);
    }
  }

  void read_annotations(const Field& annotations, PodLevel& level) const {
    for (auto it = annotations.value.begin(); it != annotations.value.end(); ++it) {
      spend_keys(1, annotations);
      if (!it->first.IsScalar()) continue;
      const std::string& key = it->first.Scalar();
      bool pod_seccomp = key == kSeccompPodAnnotation;
      bool container_seccomp = key.starts_with(kSeccompContainerAnnotation);
      bool container_apparmor = key.starts_with(kAppArmorContainerAnnotation);
      if (!pod_seccomp && !container_seccomp && !container_apparmor) continue;
      Field field{it->first, it->second, member_path(annotations.path, key)};
      if (field.value.IsNull()) continue;
      if (!field.value.IsScalar())
        fail(field, "annotation values must be strings, found " + shape_of(field.value));
      Located<std::string> value{field.value.Scalar(), where(field)};
      if (pod_seccomp) {
        value.value = seccomp_from_annotation(value.value);
        level.seccomp_annotation = value;
      } else if (container_seccomp) {
        value.value = seccomp_from_annotation(value.value);
        level.container_seccomp_annotations.emplace(key.substr(kSeccompContainerAnnotation.size()),
                                                    value);
      } else {
        value.value = std::string(trim(value.value));
        level.container_apparmor_annotations.emplace(
            key.substr(kAppArmorContainerAnnotation.size()), value);
      }
    }
  }

  // The settings a pod's and a container's securityContext share.
  void read_security_defaults(const Field& context, SecurityDefaults& out) const {
    if (auto user = uint_member(context, "runAsUser"))
      out.run_as_user = Located<std::string>{std::to_string(user->value), user->where};
    if (auto non_root = bool_member(context, "runAsNonRoot")) out.run_as_non_root = non_root;
    if (auto profile = map_member(context, "seccompProfile"))
      out.seccomp = profile_setting(*profile, "unconfined", "default");
    if (auto profile = map_member(context, "appArmorProfile"))
      out.apparmor = profile_setting(*profile, "unconfined", "runtime/default");
    if (auto options = map_member(context, "seLinuxOptions"))
      out.selinux = selinux_setting(*options);
    if (auto windows = map_member(context, "windowsOptions"))
      if (auto host_process = bool_member(*windows, "hostProcess")) out.host_process = host_process;
  }

  // seccompProfile / appArmorProfile: {type: Unconfined|RuntimeDefault|Localhost,
  // localhostProfile}.
  Located<std::string> profile_setting(const Field& profile, std::string_view unconfined,
                                       std::string_view runtime_default) const {
    std::optional<Field> type = member(profile, "type");
    if (!type) fail(profile, "type is required (Unconfined, RuntimeDefault or Localhost)");
    std::optional<Located<std::string>> type_name = string_member(profile, "type");
    Located<std::string> setting{"", type_name->where};
    if (type_name->value == "Unconfined") {
      setting.value = unconfined;
    } else if (type_name->value == "RuntimeDefault") {
      setting.value = runtime_default;
    } else if (type_name->value == "Localhost") {
      std::optional<Located<std::string>> local = string_member(profile, "localhostProfile");
      if (!local || trim(local->value).empty())
        fail(profile, "type Localhost needs localhostProfile");
      setting.value = "localhost/" + std::string(trim(local->value));
    } else {
      fail(*type,
           "must be Unconfined, RuntimeDefault or Localhost, found " + describe(type->value));
    }
    return setting;
  }

  // seLinuxOptions as a "user:role:type:level" label; the unconfined types become "spc_t"
  // (what the checks call disabled separation).
  Located<std::string> selinux_setting(const Field& options) const {
    std::string parts[4];
    const char* keys[4] = {"user", "role", "type", "level"};
    SourceLocation at = where(options);
    for (int i = 0; i < 4; ++i) {
      if (auto value = string_member(options, keys[i])) {
        parts[i] = std::string(trim(value->value));
        if (i == 2) at = value->where;
      }
    }
    if (parts[2] == "spc_t" || parts[2] == "unconfined_t") return {"spc_t", at};
    return {parts[0] + ":" + parts[1] + ":" + parts[2] + ":" + parts[3], at};
  }

  void read_sysctls(const Field& sysctls, PodLevel& level) const {
    for (const Field& item : items(sysctls)) {
      require_map(item, "a sysctl");
      std::optional<Located<std::string>> name = string_member(item, "name");
      if (!name) fail(item, "a sysctl needs a name");
      std::optional<Located<std::string>> value = string_member(item, "value");
      level.sysctls.push_back(Sysctl{normalise_sysctl_name(name->value),
                                     value ? value->value : std::string(), name->where});
    }
  }

  void read_volumes(const Field& volumes, PodLevel& level) const {
    for (const Field& item : items(volumes)) {
      require_map(item, "a volume");
      std::optional<Located<std::string>> name = string_member(item, "name");
      if (!name) continue;  // the API server refuses it; nothing can mount it
      PodVolume volume;
      if (auto host_path = map_member(item, "hostPath")) {
        std::optional<Located<std::string>> path = string_member(*host_path, "path");
        if (!path) fail(*host_path, "hostPath needs a path");
        volume.host_path = true;
        volume.path = path->value;
        if (auto type = string_member(*host_path, "type")) volume.type = type->value;
      }
      level.volumes.emplace(name->value, std::move(volume));
    }
  }

  // -- Containers

  void read_container(const Field& container, const std::string& label, const PodLevel& pod) {
    require_map(container, "a container");
    if (out_.size() >= kMaxWorkloads)
      fail(container, "more than " + std::to_string(kMaxWorkloads) + " containers");
    Workload workload;
    workload.format = InputFormat::Kubernetes;
    std::optional<Located<std::string>> name = string_member(container, "name");
    std::string container_name = name && !name->value.empty() ? name->value : "(unnamed)";
    workload.object = pod.object_prefix + " " + label + " " + container_name;
    workload.where = name ? name->where : where(container.value);

    SecurityDefaults own;
    std::optional<Field> context = map_member(container, "securityContext");
    if (context) {
      read_security_defaults(*context, own);
      workload.privileged = bool_member(*context, "privileged");
      if (auto capabilities = map_member(*context, "capabilities")) {
        read_capability_list(*capabilities, "add", workload.capabilities.added);
        read_capability_list(*capabilities, "drop", workload.capabilities.dropped);
      }
      if (auto escalation = bool_member(*context, "allowPrivilegeEscalation"))
        workload.no_new_privileges = Located<bool>{!escalation->value, escalation->where};
      workload.read_only_rootfs = bool_member(*context, "readOnlyRootFilesystem");
      if (auto proc_mount = string_member(*context, "procMount")) {
        if (proc_mount->value != "Default" && proc_mount->value != "Unmasked")
          fail(*member(*context, "procMount"),
               "must be Default or Unmasked, found \"" + proc_mount->value + "\"");
        workload.proc_unmasked = Located<bool>{proc_mount->value == "Unmasked", proc_mount->where};
      }
    }

    const SecurityDefaults& pod_security = pod.security;
    workload.user = own.run_as_user ? own.run_as_user : pod_security.run_as_user;
    workload.run_as_non_root =
        own.run_as_non_root ? own.run_as_non_root : pod_security.run_as_non_root;
    workload.selinux = own.selinux ? own.selinux : pod_security.selinux;
    workload.seccomp = own.seccomp;
    if (!workload.seccomp)
      workload.seccomp = lookup(pod.container_seccomp_annotations, container_name);
    if (!workload.seccomp) workload.seccomp = pod_security.seccomp;
    if (!workload.seccomp) workload.seccomp = pod.seccomp_annotation;
    workload.apparmor = own.apparmor;
    if (!workload.apparmor)
      workload.apparmor = lookup(pod.container_apparmor_annotations, container_name);
    if (!workload.apparmor) workload.apparmor = pod_security.apparmor;
    // A Windows HostProcess container runs directly on the host: as good as privileged.
    std::optional<Located<bool>> host_process =
        own.host_process ? own.host_process : pod_security.host_process;
    if (host_process && host_process->value && !(workload.privileged && workload.privileged->value))
      workload.privileged = host_process;

    workload.host_namespaces = pod.host_namespaces;
    spend(pod.sysctls.size(), container);
    workload.sysctls = pod.sysctls;

    if (auto resources = map_member(container, "resources"))
      if (auto limits = map_member(*resources, "limits"))
        workload.memory_limit = string_member(*limits, "memory");

    if (auto mounts = list_member(container, "volumeMounts"))
      for (const Field& mount : items(*mounts)) read_volume_mount(mount, pod, workload);

    out_.push_back(std::move(workload));
  }

  static std::optional<Located<std::string>> lookup(
      const std::map<std::string, Located<std::string>>& by_container, const std::string& name) {
    auto it = by_container.find(name);
    if (it == by_container.end()) return std::nullopt;
    return it->second;
  }

  void read_capability_list(const Field& capabilities, std::string_view key,
                            std::vector<Located<std::string>>& out) const {
    std::optional<Field> list = list_member(capabilities, key);
    if (!list) return;
    for (const Field& item : items(*list)) {
      if (!item.value.IsScalar())
        fail(item, "a capability must be a string, found " + shape_of(item.value));
      out.push_back(
          Located<std::string>{canonical_capability(item.value.Scalar()), where(item.value)});
    }
  }

  void read_volume_mount(const Field& mount, const PodLevel& pod, Workload& workload) const {
    require_map(mount, "a volumeMount");
    std::optional<Located<std::string>> name = string_member(mount, "name");
    std::optional<Located<std::string>> mount_path = string_member(mount, "mountPath");
    std::optional<Located<bool>> read_only = bool_member(mount, "readOnly");
    std::optional<Located<std::string>> sub_path = string_member(mount, "subPath");
    std::string propagation;
    if (auto mode = string_member(mount, "mountPropagation")) {
      if (mode->value == "Bidirectional")
        propagation = "rshared";
      else if (mode->value == "HostToContainer")
        propagation = "rslave";
      else if (mode->value == "None")
        propagation = "rprivate";
      else
        fail(*member(mount, "mountPropagation"),
             "must be None, HostToContainer or Bidirectional, found \"" + mode->value + "\"");
    }
    if (!name) return;
    auto volume = pod.volumes.find(name->value);
    if (volume == pod.volumes.end()) return;  // refused by the API server: mounts nothing
    std::string destination = mount_path ? mount_path->value : std::string();
    SourceLocation at = where(mount.value);

    if (!volume->second.host_path) {
      if (!propagation.empty())
        workload.volumes.push_back(VolumeMount{name->value, destination, propagation, at});
      return;
    }
    std::string source = volume->second.path;
    if (sub_path && !sub_path->value.empty()) {
      // The API server refuses these: a subPath stays beneath its volume.
      bool escapes = sub_path->value.front() == '/';
      for (const std::string& part : split(sub_path->value, '/')) escapes = escapes || part == "..";
      if (escapes) fail(*member(mount, "subPath"), "must be a relative path without \"..\"");
      source += "/" + sub_path->value;
    }
    source = normalise_host_path(source);
    workload.host_mounts.push_back(
        HostMount{source, destination, read_only && read_only->value, propagation, at});
    if (volume->second.type == "CharDevice" || volume->second.type == "BlockDevice")
      workload.devices.push_back(Device{source, destination, at});
  }
};

// Where each document of a chunk begins; the chunk's text from there is handed to yaml-cpp,
// one document at a time (never LoadAll, which can loop forever on malformed input).
void read_chunk(std::string_view chunk, int chunk_line, const std::string& file, ReadState& state) {
  std::vector<std::size_t> line_starts{0};
  for (std::size_t i = 0; i < chunk.size(); ++i)
    if (chunk[i] == '\n') line_starts.push_back(i + 1);
  int base_line = 0;
  for (;;) {
    if (++state.documents > kMaxDocuments)
      throw Error(SourceLocation{file, chunk_line + base_line + 1, 1}, "",
                  "more than " + std::to_string(kMaxDocuments) + " YAML documents");
    std::string_view rest = chunk.substr(line_starts[static_cast<std::size_t>(base_line)]);
    YAML::Node document;
    std::optional<YAML::Mark> next;
    try {
      document = YAML::Load(std::string(rest));
      next = find_second_yaml_document(rest);
    } catch (const YAML::Exception& e) {
      SourceLocation at{file, 0, 0};
      if (!e.mark.is_null() && e.mark.line >= 0 && e.mark.column >= 0)
        at = SourceLocation{file, chunk_line + base_line + e.mark.line + 1, e.mark.column + 1};
      throw Error(at, "", "not valid YAML: " + e.msg);
    }
    DocumentReader(file, chunk_line + base_line, state).read(document);
    if (!next) return;
    // The next document is read from the start of the line its content begins on.
    if (next->line <= 0 || static_cast<std::size_t>(base_line + next->line) >= line_starts.size())
      throw Error(SourceLocation{file, chunk_line + base_line + std::max(next->line, 0) + 1,
                                 std::max(next->column, 0) + 1},
                  "",
                  "not valid YAML: a document cannot start here (a new document must start on "
                  "a line of its own)");
    base_line += next->line;
  }
}

// A `---` in column 1 always starts a document and a `...` there always ends one (YAML forbids
// both inside scalars), so the file is first cut at those lines: each piece is then loaded on
// its own, which keeps a file of many documents linear to read.
bool is_marker(std::string_view line, std::string_view marker) {
  return line.starts_with(marker) &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

}  // namespace

std::vector<Workload> read_kubernetes(std::string_view text, const std::string& file) {
  ReadState state;
  std::size_t chunk_start = 0;
  int chunk_line = 0;  // 0-based line of chunk_start
  int line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view current = text.substr(pos, end - pos);
    if (pos > chunk_start && is_marker(current, "---")) {  // a piece ends before this line
      read_chunk(text.substr(chunk_start, pos - chunk_start), chunk_line, file, state);
      chunk_start = pos;
      chunk_line = line;
    }
    pos = end + 1;
    ++line;
    if (is_marker(current, "...") && pos < text.size()) {  // a piece ends with this line
      read_chunk(text.substr(chunk_start, pos - chunk_start), chunk_line, file, state);
      chunk_start = pos;
      chunk_line = line;
    }
  }
  read_chunk(text.substr(chunk_start), chunk_line, file, state);
  return std::move(state.workloads);
}

}  // namespace bulkhead::audit
