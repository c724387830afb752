// Auditing inputs end to end: recognising what a file is, reading it with the right reader and
// evaluating the checks. The CLI and the tests share this, so a fixture is audited exactly as
// `bulkhead audit FILE` audits it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"
#include "audit/workload.h"

namespace bulkhead::audit {

// What `path` holds, from its name first (Dockerfile, Containerfile, *.dockerfile, config.json,
// compose.yaml, docker-compose*.yml, *.sh) and then its content (a shell shebang, JSON with
// ociVersion, YAML with apiVersion and kind, YAML with a top-level services key). nullopt when
// neither tells.
std::optional<InputFormat> detect_input_format(const std::string& path, std::string_view text);

// Findings of every workload, sorted.
std::vector<Finding> evaluate_workloads(const std::vector<Workload>& workloads);

// Reads `text` (named `file` in findings and errors) as `format` and evaluates it. Host is not
// a file format: asking for it throws.
std::vector<Finding> audit_text(std::string_view text, const std::string& file, InputFormat format);

// Reads the file, detects its format unless `forced`, and audits it. Throws Error when the file
// cannot be read, its format cannot be told, or it is malformed.
std::vector<Finding> audit_file(const std::string& path,
                                std::optional<InputFormat> forced = std::nullopt);

// The files under `directory` (recursively, in name order) whose format detect_input_format
// recognises; hidden directories, node_modules and vendor are skipped.
std::vector<std::string> auditable_files(const std::string& directory);

}  // namespace bulkhead::audit
