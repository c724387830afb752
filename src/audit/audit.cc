#include "audit/audit.h"

#include <algorithm>
#include <filesystem>

#include "audit/checks.h"
#include "audit/inputs.h"
#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::audit {

namespace {

namespace fs = std::filesystem;

bool ends_with_any(std::string_view name, std::initializer_list<std::string_view> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(),
                     [&](std::string_view s) { return name.ends_with(s); });
}

// A line of `text` that starts (in column 1) with `key` followed by ':' — a top-level YAML key.
bool has_top_level_key(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':') return true;
    pos = end + 1;
  }
  return false;
}

std::optional<InputFormat> format_from_name(const std::string& path) {
  std::string name = to_lower(fs::path(path).filename().string());
  if (name == "dockerfile" || name == "containerfile" || name.starts_with("dockerfile.") ||
      name.starts_with("containerfile.") || ends_with_any(name, {".dockerfile", ".containerfile"}))
    return InputFormat::Dockerfile;
  if (name == "config.json") return InputFormat::OciConfig;
  bool yaml = ends_with_any(name, {".yaml", ".yml"});
  if (yaml && (name.starts_with("docker-compose") || name.starts_with("compose") ||
               name.starts_with("podman-compose")))
    return InputFormat::Compose;
  if (ends_with_any(name, {".sh", ".bash"})) return InputFormat::DockerRun;
  return std::nullopt;
}

std::optional<InputFormat> format_from_content(std::string_view text) {
  std::string_view body = trim(text);
  if (body.starts_with("#!")) {
    std::string_view shebang = body.substr(0, body.find('\n'));
    if (shebang.find("sh") != std::string_view::npos) return InputFormat::DockerRun;
    return std::nullopt;
  }
  if (body.starts_with("{")) {
    if (body.find("\"ociVersion\"") != std::string_view::npos) return InputFormat::OciConfig;
    return std::nullopt;
  }
  if (has_top_level_key(text, "apiVersion") && has_top_level_key(text, "kind"))
    return InputFormat::Kubernetes;
  if (has_top_level_key(text, "services")) return InputFormat::Compose;
  return std::nullopt;
}

}  // namespace

std::optional<InputFormat> detect_input_format(const std::string& path, std::string_view text) {
  if (auto by_name = format_from_name(path)) {
    // A YAML file named like compose but holding Kubernetes objects (kompose output) is
    // Kubernetes: trust the content when it is unambiguous.
    if (*by_name == InputFormat::Compose && has_top_level_key(text, "apiVersion") &&
        has_top_level_key(text, "kind") && !has_top_level_key(text, "services"))
      return InputFormat::Kubernetes;
    return by_name;
  }
  return format_from_content(text);
}

std::vector<Finding> evaluate_workloads(const std::vector<Workload>& workloads) {
  std::vector<Finding> findings;
  for (const Workload& workload : workloads) {
    std::vector<Finding> found = evaluate_checks(workload);
    findings.insert(findings.end(), std::make_move_iterator(found.begin()),
                    std::make_move_iterator(found.end()));
  }
  std::sort(findings.begin(), findings.end(), finding_less);
  return findings;
}

std::vector<Finding> audit_text(std::string_view text, const std::string& file,
                                InputFormat format) {
  switch (format) {
    case InputFormat::DockerRun:
      return evaluate_workloads(read_shell_script(text, file));
    case InputFormat::Compose:
      return evaluate_workloads(read_compose(text, file));
    case InputFormat::Kubernetes:
      return evaluate_workloads(read_kubernetes(text, file));
    case InputFormat::OciConfig:
      return evaluate_workloads(read_oci_config(text, file));
    case InputFormat::Dockerfile: {
      std::vector<Finding> findings = audit_dockerfile(text, file);
      std::sort(findings.begin(), findings.end(), finding_less);
      return findings;
    }
    case InputFormat::Host:
      break;
  }
  throw Error(file + ": the host is not a file format (use --host)");
}

std::vector<Finding> audit_file(const std::string& path, std::optional<InputFormat> forced) {
  std::string text = read_file(path);
  std::optional<InputFormat> format = forced ? forced : detect_input_format(path, text);
  if (!format)
    throw Error(path +
                ": cannot tell what this file is (not a Dockerfile, shell script, compose file, "
                "Kubernetes manifest or OCI config.json); name its format with --type");
  return audit_text(text, path, *format);
}

std::vector<std::string> auditable_files(const std::string& directory) {
  std::vector<std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(directory, fs::directory_options::none, ec);
  if (ec) throw SystemError("reading directory " + directory, ec.value());
  for (auto end = fs::recursive_directory_iterator(); it != end; it.increment(ec)) {
    if (ec) throw SystemError("reading directory " + directory, ec.value());
    std::string name = it->path().filename().string();
    if (it->is_directory(ec)) {
      if ((name.starts_with(".") && name != "." && name != "..") || name == "node_modules" ||
          name == "vendor")
        it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    std::string path = it->path().string();
    if (format_from_name(path)) {
      files.push_back(path);
      continue;
    }
    // Content sniffing only for files that may be YAML or JSON manifests or scripts.
    std::string lower = to_lower(name);
    if (!ends_with_any(lower, {".yaml", ".yml", ".json"})) continue;
    if (format_from_content(read_file(path))) files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace bulkhead::audit
