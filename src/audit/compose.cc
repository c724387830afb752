// docker-compose.yml / compose.yaml: one workload per service.
//
// Read: privileged, cap_add, cap_drop, security_opt, volumes (short "SRC:DST[:OPTS]" and long
// syntax; a top-level named volume with driver_opts `o: bind` and `device: /path` counts as a
// host mount of /path), pid / ipc / uts / userns_mode / network_mode (and v1's net) "host",
// user, read_only, mem_limit, deploy.resources.limits.memory, pids_limit,
// deploy.resources.limits.pids, devices (short and long syntax), device_cgroup_rules and
// sysctls (mapping or list). tmpfs, extends, profiles and everything else are ignored.
//
// YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`) are applied here, since yaml-cpp 0.7 keeps
// them as ordinary keys: a mapping's own keys win, then the merged mappings' in order; a merged
// setting is located where the anchor's mapping says it. Settings are located at their key
// (`privileged:`), list entries at the entry, the service at its name.
//
// Compose interpolates ${VAR} before reading: values are kept as written, except that a
// boolean written as ${VAR:-default} (or ${VAR-default}) takes its default and any other
// boolean holding a variable is undecidable and sets nothing.
//
// Files without a top-level `services:` are read as the v1 format (services at the top
// level). Malformed YAML, a second document, duplicate keys and wrong types are errors naming
// the file, line, column and field ("services.web.privileged").
#include <yaml-cpp/yaml.h>

#include <map>

#include "audit/docker_settings.h"
#include "audit/inputs.h"
#include "audit/yaml_positions.h"
#include "base/error.h"
#include "base/strings.h"
#include "base/yaml_documents.h"

namespace bulkhead::audit {

namespace {

namespace ds = docker_settings;

constexpr int kMaxMergeDepth = 32;
// Merge keys can reuse one anchor many times at every level (`<<: [*a, *a, *a]` where `a`
// does the same), which grows exponentially with the depth; no real file comes near this many
// mapping entries.
constexpr size_t kMaxEntriesRead = 200'000;

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};
using Entries = std::vector<Entry>;

const Entry* find(const Entries& entries, std::string_view key) {
  for (const Entry& entry : entries)
    if (entry.key == key) return &entry;
  return nullptr;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

class ComposeReader {
 public:
  explicit ComposeReader(const std::string& file) : file_(file) {}

  std::vector<Workload> read(std::string_view text) {
    YAML::Node root = load_single_yaml_document(text, file_, "a compose file");
    if (!root.IsDefined() || root.IsNull())
      throw Error(SourceLocation{file_, 1, 1}, "", "empty compose file");
    if (!root.IsMap()) throw error(root, "", "a compose file must be a mapping");

    Entries top = entries(root, "");
    if (const Entry* volumes = find(top, "volumes")) read_named_volumes(volumes->value);

    std::vector<Workload> out;
    if (const Entry* services = find(top, "services")) {
      if (services->value.IsNull()) return out;
      if (!services->value.IsMap())
        throw error(services->value, "services", "must be a mapping of service names");
      for (const Entry& service : entries(services->value, "services"))
        out.push_back(read_service(service, "services." + service.key));
      return out;
    }
    // v1: every top-level mapping is a service.
    for (const Entry& entry : top) {
      if (entry.key == "version" || entry.key == "volumes" || entry.key == "networks" ||
          entry.key == "secrets" || entry.key == "configs" || entry.key == "name" ||
          entry.key == "include" || starts_with(entry.key, "x-") || !entry.value.IsMap())
        continue;
      out.push_back(read_service(entry, entry.key));
    }
    return out;
  }

 private:
  [[nodiscard]] Error error(const YAML::Node& node, const std::string& field,
                            const std::string& message) const {
    return Error(location_of(node, file_), field, message);
  }
  SourceLocation at(const YAML::Node& node) const { return location_of(node, file_); }

  // A mapping's entries with merge keys applied; a null node has none.
  Entries entries(const YAML::Node& map, const std::string& field, int depth = 0) const {
    Entries out;
    if (map.IsNull()) return out;
    if (!map.IsMap()) throw error(map, field, "must be a mapping");
    if (depth > kMaxMergeDepth) throw error(map, field, "merge keys (<<) nested too deeply");
    std::vector<YAML::Node> merges;
    for (const auto& member : map) {
      if (++entries_read_ > kMaxEntriesRead)
        throw error(map, field, "merge keys (<<) expand to too many entries");
      const YAML::Node& key = member.first;
      if (!key.IsScalar()) throw error(key, field, "mapping keys must be plain strings");
      std::string name = key.Scalar();
      std::string member_field = field.empty() ? name : field + "." + name;
      if (name == "<<" && key.Tag() != "!") {
        merges.push_back(member.second);
        continue;
      }
      if (find(out, name)) throw error(key, member_field, "duplicate key");
      out.push_back(Entry{name, key, member.second});
    }
    for (const YAML::Node& merge : merges) {
      std::vector<YAML::Node> sources;
      if (merge.IsMap()) {
        sources.push_back(merge);
      } else if (merge.IsSequence()) {
        for (const YAML::Node& item : merge) sources.push_back(item);
      } else {
        throw error(merge, field.empty() ? "<<" : field + ".<<",
                    "a merge key takes a mapping or a list of mappings");
      }
      for (const YAML::Node& source : sources) {
        if (!source.IsMap())
          throw error(source, field.empty() ? "<<" : field + ".<<",
                      "a merge key takes a mapping or a list of mappings");
        for (Entry& merged : entries(source, field, depth + 1))
          if (!find(out, merged.key)) out.push_back(std::move(merged));
      }
    }
    return out;
  }

  // A scalar's text; a mapping or a list is an error.
  std::string scalar(const YAML::Node& node, const std::string& field,
                     const std::string& what) const {
    if (!node.IsScalar()) throw error(node, field, "must be " + what);
    return node.Scalar();
  }

  // true/false (YAML 1.1 spellings too); ${VAR:-default} takes the default; another variable
  // is undecidable (nullopt).
  std::optional<bool> boolean(const YAML::Node& node, const std::string& field) const {
    std::string text = scalar(node, field, "true or false");
    if (starts_with(text, "${") && text.back() == '}') {
      size_t dash = text.find('-');
      if (dash == std::string::npos) return std::nullopt;
      text = text.substr(dash + 1, text.size() - dash - 2);
    }
    if (text.find('$') != std::string::npos) return std::nullopt;
    std::string lower = to_lower(text);
    if (lower == "true" || lower == "yes" || lower == "on" || lower == "y") return true;
    if (lower == "false" || lower == "no" || lower == "off" || lower == "n") return false;
    throw error(node, field, "must be true or false, not \"" + text + "\"");
  }

  std::vector<YAML::Node> sequence(const YAML::Node& node, const std::string& field,
                                   const std::string& what) const {
    if (!node.IsSequence()) throw error(node, field, "must be a list of " + what);
    std::vector<YAML::Node> out;
    for (const YAML::Node& item : node) out.push_back(item);
    return out;
  }

  static std::string item_field(const std::string& field, size_t index) {
    return field + "[" + std::to_string(index) + "]";
  }

  // Top-level volumes that are host directories in disguise: driver local, driver_opts
  // `o: bind` and `device: /path`.
  void read_named_volumes(const YAML::Node& node) {
    if (node.IsNull()) return;
    for (const Entry& volume : entries(node, "volumes")) {
      if (!volume.value.IsMap()) continue;
      std::string field = "volumes." + volume.key;
      const Entries settings = entries(volume.value, field);
      const Entry* options = find(settings, "driver_opts");
      if (!options || !options->value.IsMap()) continue;
      Entries opts = entries(options->value, field + ".driver_opts");
      const Entry* o = find(opts, "o");
      const Entry* device = find(opts, "device");
      if (!o || !device || !o->value.IsScalar() || !device->value.IsScalar()) continue;
      bool bind = false;
      for (const std::string& option : split(o->value.Scalar(), ','))
        bind = bind || trim(option) == "bind" || trim(option) == "rbind";
      if (bind) bind_volumes_[volume.key] = device->value.Scalar();
    }
  }

  // A named volume, or the host directory a bind-backed named volume stands for.
  void add_named_volume(Workload& workload, const std::string& name, const std::string& target,
                        bool read_only, const std::string& propagation,
                        const SourceLocation& where) const {
    if (auto bound = bind_volumes_.find(name); bound != bind_volumes_.end()) {
      ds::add_bind_mount(workload, bound->second, target, read_only, propagation, where);
      return;
    }
    workload.volumes.push_back(VolumeMount{name, target, propagation, where});
  }

  void read_short_volume(Workload& workload, const std::string& spec,
                         const SourceLocation& where) const {
    std::vector<std::string> parts = ds::split_volume_spec(spec);
    if (parts.size() >= 2 && !parts[0].empty() && !ds::is_host_path_source(parts[0]) &&
        bind_volumes_.count(parts[0])) {
      std::string options;
      for (size_t i = 2; i < parts.size(); ++i) options += (i > 2 ? ":" : "") + parts[i];
      ds::VolumeOptions parsed = ds::parse_volume_options(options);
      add_named_volume(workload, parts[0], parts[1], parsed.read_only, parsed.propagation, where);
      return;
    }
    ds::add_short_volume(workload, spec, where);
  }

  void read_long_volume(Workload& workload, const YAML::Node& node,
                        const std::string& field) const {
    Entries volume = entries(node, field);
    auto text = [&](std::string_view key) -> std::string {
      const Entry* entry = find(volume, key);
      if (!entry || entry->value.IsNull()) return "";
      return scalar(entry->value, field + "." + std::string(key), "a string");
    };
    std::string type = to_lower(text("type"));
    std::string source = text("source");
    std::string target = text("target");
    bool read_only = false;
    if (const Entry* entry = find(volume, "read_only"); entry && !entry->value.IsNull())
      read_only = boolean(entry->value, field + ".read_only").value_or(false);
    std::string propagation;
    if (const Entry* bind = find(volume, "bind"); bind && !bind->value.IsNull()) {
      Entries options = entries(bind->value, field + ".bind");
      if (const Entry* entry = find(options, "propagation"); entry && !entry->value.IsNull())
        propagation = to_lower(scalar(entry->value, field + ".bind.propagation", "a string"));
    }
    SourceLocation where = at(node);
    if (type.empty()) type = ds::is_host_path_source(source) ? "bind" : "volume";
    if (type == "bind") {
      if (!source.empty())
        ds::add_bind_mount(workload, source, target, read_only, propagation, where);
    } else if (type == "volume") {
      add_named_volume(workload, source, target, read_only, propagation, where);
    }
    // tmpfs, npipe, cluster, image: nothing from the host.
  }

  void read_device(Workload& workload, const YAML::Node& node, const std::string& field) const {
    if (node.IsScalar()) {
      ds::add_device(workload, node.Scalar(), at(node));
      return;
    }
    Entries device = entries(node, field);
    const Entry* source = find(device, "source");
    if (!source) throw error(node, field, "a device needs a source");
    std::string host = scalar(source->value, field + ".source", "a device path");
    std::string target;
    if (const Entry* entry = find(device, "target"); entry && !entry->value.IsNull())
      target = scalar(entry->value, field + ".target", "a device path");
    ds::add_device(workload, target.empty() ? host : host + ":" + target, at(node));
  }

  void read_sysctls(Workload& workload, const YAML::Node& node, const std::string& field) const {
    if (node.IsSequence()) {
      size_t index = 0;
      for (const YAML::Node& item : node) {
        std::string item_name = item_field(field, index++);
        ds::add_sysctl_assignment(workload, scalar(item, item_name, "\"name=value\""), at(item));
      }
      return;
    }
    for (const Entry& entry : entries(node, field)) {
      std::string value = entry.value.IsNull()
                              ? ""
                              : scalar(entry.value, field + "." + entry.key, "a sysctl value");
      ds::add_sysctl(workload, entry.key, value, at(entry.key_node));
    }
  }

  void read_limits(Workload& workload, const YAML::Node& deploy, const std::string& field) const {
    const Entries deploy_entries = entries(deploy, field);
    const Entry* resources = find(deploy_entries, "resources");
    if (!resources) return;
    std::string resources_field = field + ".resources";
    const Entries resources_entries = entries(resources->value, resources_field);
    const Entry* limits = find(resources_entries, "limits");
    if (!limits) return;
    std::string limits_field = resources_field + ".limits";
    Entries values = entries(limits->value, limits_field);
    if (const Entry* memory = find(values, "memory");
        memory && !memory->value.IsNull() && !workload.memory_limit)
      ds::set_memory_limit(workload, scalar(memory->value, limits_field + ".memory", "a size"),
                           at(memory->key_node));
    if (const Entry* pids = find(values, "pids");
        pids && !pids->value.IsNull() && !workload.pids_limit)
      ds::set_pids_limit(workload, scalar(pids->value, limits_field + ".pids", "a number"),
                         at(pids->key_node));
  }

  Workload read_service(const Entry& service, const std::string& field) const {
    Workload workload;
    workload.format = InputFormat::Compose;
    workload.object = "service " + service.key;
    workload.where = at(service.key_node);
    if (!service.value.IsNull() && !service.value.IsMap())
      throw error(service.value, field, "a service must be a mapping");

    const Entry* deploy = nullptr;
    const Entries settings = entries(service.value, field);
    for (const Entry& entry : settings) {
      const std::string& key = entry.key;
      const YAML::Node& value = entry.value;
      std::string key_field = field + "." + key;
      SourceLocation where = at(entry.key_node);
      if (value.IsNull()) continue;  // `user:` with nothing: not set
      if (key == "privileged") {
        if (auto on = boolean(value, key_field)) workload.privileged = Located<bool>{*on, where};
      } else if (key == "read_only") {
        if (auto on = boolean(value, key_field))
          workload.read_only_rootfs = Located<bool>{*on, where};
      } else if (key == "cap_add" || key == "cap_drop") {
        auto& into = key == "cap_add" ? workload.capabilities.added : workload.capabilities.dropped;
        size_t index = 0;
        for (const YAML::Node& item : sequence(value, key_field, "capability names")) {
          std::string name = ds::canonical_capability(
              scalar(item, item_field(key_field, index++), "a capability name"));
          if (!name.empty()) into.push_back({name, at(item)});
        }
      } else if (key == "security_opt") {
        size_t index = 0;
        for (const YAML::Node& item : sequence(value, key_field, "options"))
          ds::apply_security_opt(
              workload, scalar(item, item_field(key_field, index++), "an option"), at(item));
      } else if (key == "volumes") {
        size_t index = 0;
        for (const YAML::Node& item : sequence(value, key_field, "volumes")) {
          std::string item_name = item_field(key_field, index++);
          if (item.IsScalar()) {
            read_short_volume(workload, item.Scalar(), at(item));
          } else if (item.IsMap()) {
            read_long_volume(workload, item, item_name);
          } else {
            throw error(item, item_name, "a volume is \"SRC:DST[:OPTS]\" or a mapping");
          }
        }
      } else if (key == "pid" || key == "ipc" || key == "uts" || key == "userns_mode" ||
                 key == "network_mode" || key == "net") {
        std::string mode = to_lower(trim(scalar(value, key_field, "a mode")));
        if (mode != "host") continue;
        HostNamespaces& ns = workload.host_namespaces;
        auto& into = key == "pid"           ? ns.pid
                     : key == "ipc"         ? ns.ipc
                     : key == "uts"         ? ns.uts
                     : key == "userns_mode" ? ns.user
                                            : ns.network;
        into = Located<bool>{true, where};
      } else if (key == "user") {
        workload.user = Located<std::string>{scalar(value, key_field, "a user"), where};
      } else if (key == "mem_limit") {
        ds::set_memory_limit(workload, scalar(value, key_field, "a size"), where);
      } else if (key == "pids_limit") {
        ds::set_pids_limit(workload, scalar(value, key_field, "a number"), where);
      } else if (key == "deploy") {
        deploy = &entry;
      } else if (key == "devices") {
        size_t index = 0;
        for (const YAML::Node& item : sequence(value, key_field, "devices"))
          read_device(workload, item, item_field(key_field, index++));
      } else if (key == "device_cgroup_rules") {
        size_t index = 0;
        for (const YAML::Node& item : sequence(value, key_field, "rules"))
          ds::add_device_cgroup_rule(
              workload, scalar(item, item_field(key_field, index++), "a rule"), at(item));
      } else if (key == "sysctls") {
        read_sysctls(workload, value, key_field);
      }
    }
    // mem_limit / pids_limit win over deploy.resources.limits when both are given.
    if (deploy) read_limits(workload, deploy->value, field + ".deploy");
    return workload;
  }

  const std::string& file_;
  std::map<std::string, std::string> bind_volumes_;  // named volume -> host directory
  mutable size_t entries_read_ = 0;                  // against kMaxEntriesRead
};

}  // namespace

std::vector<Workload> read_compose(std::string_view text, const std::string& file) {
  return ComposeReader(file).read(text);
}

}  // namespace bulkhead::audit
