#include "audit/docker_settings.h"

#include <algorithm>

#include "base/strings.h"

namespace bulkhead::audit::docker_settings {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "key=value" or "key:value" split at whichever separator comes first; no separator: the whole
// text is the key and the value is nullopt.
std::pair<std::string, std::optional<std::string>> split_option(std::string_view option) {
  size_t separator = option.find_first_of("=:");
  if (separator == std::string_view::npos) return {std::string(trim(option)), std::nullopt};
  return {std::string(trim(option.substr(0, separator))),
          std::string(trim(option.substr(separator + 1)))};
}

// Resolves "." and ".." in a '/'-separated path below a fixed prefix ("/" or "~"); ".." never
// climbs above the prefix, as the kernel does at "/".
std::string resolve_components(std::string_view prefix, std::string_view rest) {
  std::vector<std::string> parts;
  for (const std::string& part : split(rest, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out(prefix);
  for (const std::string& part : parts) {
    if (!out.empty() && out.back() != '/') out += '/';
    out += part;
  }
  return out;
}

std::string strip_trailing_slashes(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

}  // namespace

std::string canonical_capability(std::string_view name) {
  std::string upper = to_upper(trim(name));
  if (starts_with(upper, "CAP_")) upper.erase(0, 4);
  return upper;
}

void add_capabilities(std::vector<Located<std::string>>& into, std::string_view list,
                      const SourceLocation& where) {
  for (const std::string& entry : split(list, ',')) {
    std::string name = canonical_capability(entry);
    if (!name.empty()) into.push_back({name, where});
  }
}

std::optional<bool> parse_go_bool(std::string_view text) {
  static constexpr std::string_view kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
  static constexpr std::string_view kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
  if (std::find(std::begin(kTrue), std::end(kTrue), text) != std::end(kTrue)) return true;
  if (std::find(std::begin(kFalse), std::end(kFalse), text) != std::end(kFalse)) return false;
  return std::nullopt;
}

void apply_security_opt(Workload& workload, std::string_view option, const SourceLocation& where) {
  auto [key, value] = split_option(option);
  key = to_lower(key);
  if (key == "no-new-privileges") {
    // Bare "no-new-privileges" means true; docker also takes ":true" / "=false".
    std::optional<bool> on = value ? parse_go_bool(*value) : std::optional<bool>(true);
    if (on) workload.no_new_privileges = Located<bool>{*on, where};
  } else if (key == "seccomp" && value) {
    workload.seccomp =
        Located<std::string>{to_lower(*value) == "unconfined" ? "unconfined" : *value, where};
  } else if (key == "apparmor" && value) {
    workload.apparmor =
        Located<std::string>{to_lower(*value) == "unconfined" ? "unconfined" : *value, where};
  } else if (key == "label" && value) {
    // label=disable turns separation off; label=type:spc_t selects the unconfined "super
    // privileged container" type; user:/role:/level: only refine the label.
    if (to_lower(*value) == "disable") {
      workload.selinux = Located<std::string>{"disable", where};
    } else if (starts_with(*value, "type:")) {
      workload.selinux = Located<std::string>{value->substr(5), where};
    }
  } else if (key == "systempaths" && value && to_lower(*value) == "unconfined") {
    workload.proc_unmasked = Located<bool>{true, where};
  } else if (key == "unmask" && value) {
    // podman: a ':'-separated list of paths to unmask, or ALL.
    for (const std::string& path : split(*value, ':')) {
      std::string_view entry = trim(path);
      if (to_upper(entry) == "ALL" || entry == "/proc" || starts_with(entry, "/proc/")) {
        workload.proc_unmasked = Located<bool>{true, where};
        break;
      }
    }
  }
  // mask=… (podman: mask more paths), proc-opts=…, label=nested, … weaken nothing the checks
  // look at.
}

std::string normalise_host_path(std::string_view path) {
  path = trim(path);
  if (starts_with(path, "/")) return resolve_components("/", path);
  if (starts_with(path, "~")) {
    // "~" or "~user": the home directory is the fixed prefix.
    size_t slash = path.find('/');
    if (slash == std::string_view::npos) return std::string(path);
    return resolve_components(path.substr(0, slash), path.substr(slash + 1));
  }
  return strip_trailing_slashes(path);
}

bool is_host_path_source(std::string_view source) {
  return !source.empty() && (source.front() == '/' || source.front() == '~' ||
                             source.front() == '.' || source.front() == '$');
}

std::vector<std::string> split_volume_spec(std::string_view spec) {
  std::vector<std::string> parts(1);
  int brace_depth = 0;
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c == '$' && i + 1 < spec.size() && spec[i + 1] == '{') {
      ++brace_depth;
      parts.back() += "${";
      ++i;
      continue;
    }
    if (c == '}' && brace_depth > 0) --brace_depth;
    if (c == ':' && brace_depth == 0) {
      parts.emplace_back();
      continue;
    }
    parts.back() += c;
  }
  return parts;
}

bool is_propagation(std::string_view word) {
  return word == "shared" || word == "rshared" || word == "slave" || word == "rslave" ||
         word == "private" || word == "rprivate";
}

VolumeOptions parse_volume_options(std::string_view options) {
  VolumeOptions out;
  for (const std::string& raw : split(options, ',')) {
    std::string option = std::string(trim(raw));
    if (option == "ro" || option == "readonly") {
      out.read_only = true;
    } else if (option == "rw") {
      out.read_only = false;
    } else if (is_propagation(option)) {
      out.propagation = option;
    }
    // z/Z (SELinux relabelling), nocopy, O (overlay), U (chown), exec/dev/suid…: nothing the
    // checks look at.
  }
  return out;
}

void add_bind_mount(Workload& workload, std::string_view source, std::string_view destination,
                    bool read_only, std::string_view propagation, const SourceLocation& where) {
  HostMount mount;
  mount.source = normalise_host_path(source);
  mount.destination = std::string(destination);
  mount.read_only = read_only;
  mount.propagation = std::string(propagation);
  mount.where = where;
  workload.host_mounts.push_back(std::move(mount));
}

void add_short_volume(Workload& workload, std::string_view spec, const SourceLocation& where) {
  std::vector<std::string> parts = split_volume_spec(trim(spec));
  std::string source, destination, options;
  if (parts.size() == 1) {
    destination = parts[0];  // "-v /data": an anonymous volume
  } else if (parts.size() == 2 && !parts[0].empty() && parts[0].front() == '/' &&
             !parts[1].empty() && parts[1].front() != '/' && !is_host_path_source(parts[1])) {
    // "/data:ro": an anonymous volume with options.
    destination = parts[0];
    options = parts[1];
  } else {
    source = parts[0];
    destination = parts[1];
    for (size_t i = 2; i < parts.size(); ++i) options += (i > 2 ? ":" : "") + parts[i];
  }
  VolumeOptions parsed = parse_volume_options(options);
  if (is_host_path_source(source)) {
    add_bind_mount(workload, source, destination, parsed.read_only, parsed.propagation, where);
    return;
  }
  VolumeMount volume;
  volume.name = source;  // "" for an anonymous volume
  volume.destination = destination;
  volume.propagation = parsed.propagation;
  volume.where = where;
  workload.volumes.push_back(std::move(volume));
}

void add_device(Workload& workload, std::string_view spec, const SourceLocation& where) {
  spec = trim(spec);
  if (spec.empty()) return;
  Device device;
  device.where = where;
  if (spec.front() != '/') {
    device.host_path = std::string(spec);  // a CDI device name, or a variable
  } else {
    std::vector<std::string> parts = split(spec, ':');
    device.host_path = normalise_host_path(parts[0]);
    // The second part is the container path unless it is only permissions ("/dev/fuse:rwm").
    if (parts.size() > 1 && !parts[1].empty() && parts[1].front() == '/' &&
        parts[1] != device.host_path)
      device.container_path = parts[1];
  }
  workload.devices.push_back(std::move(device));
}

void add_device_cgroup_rule(Workload& workload, std::string_view rule,
                            const SourceLocation& where) {
  rule = trim(rule);
  if (rule.empty()) return;
  std::vector<std::string> fields;
  for (const std::string& field : split(rule, ' '))
    if (!field.empty()) fields.push_back(field);
  bool every_device =
      !fields.empty() && (fields[0] == "a" || (fields.size() > 1 && fields[1] == "*:*"));
  workload.devices.push_back(Device{every_device ? "*" : std::string(rule), "", where});
}

void add_sysctl(Workload& workload, std::string_view name, std::string_view value,
                const SourceLocation& where) {
  std::string dotted(trim(name));
  std::replace(dotted.begin(), dotted.end(), '/', '.');
  if (dotted.empty()) return;
  workload.sysctls.push_back(Sysctl{dotted, std::string(trim(value)), where});
}

void add_sysctl_assignment(Workload& workload, std::string_view assignment,
                           const SourceLocation& where) {
  size_t equals = assignment.find('=');
  if (equals == std::string_view::npos) {
    add_sysctl(workload, assignment, "", where);
  } else {
    add_sysctl(workload, assignment.substr(0, equals), assignment.substr(equals + 1), where);
  }
}

void set_memory_limit(Workload& workload, std::string_view value, const SourceLocation& where) {
  value = trim(value);
  if (value.empty() || value == "0") {
    workload.memory_limit.reset();
    return;
  }
  workload.memory_limit = Located<std::string>{std::string(value), where};
}

void set_pids_limit(Workload& workload, std::string_view value, const SourceLocation& where) {
  value = trim(value);
  if (value.empty() || value == "0" || value.front() == '-') {
    workload.pids_limit.reset();
    return;
  }
  workload.pids_limit = Located<std::string>{std::string(value), where};
}

}  // namespace bulkhead::audit::docker_settings
