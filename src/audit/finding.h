// What an audit reports: one finding per (check, object, place). Shared by every input reader,
// the checks, the report renderers, the live scan and the runtime floor.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace bulkhead::audit {

// Ordered: a higher value is worse (`--fail-on high` means high or critical).
enum class Severity { Info, Low, Medium, High, Critical };

std::string_view severity_name(Severity severity);                  // "info", "low", … "critical"
std::optional<Severity> severity_from_name(std::string_view name);  // case-insensitive

// Where a workload description came from; a check says which of these it applies to.
enum class InputFormat {
  DockerRun,   // `docker run` / `podman run` command lines (arguments or shell scripts)
  Compose,     // docker-compose / compose.yaml
  Kubernetes,  // Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob
  OciConfig,   // OCI runtime config.json (also the spec `bulkhead run` builds)
  Dockerfile,  // Dockerfile / Containerfile
  Host,        // processes found running on this host (`audit --host`)
};
inline constexpr InputFormat kAllInputFormats[] = {InputFormat::DockerRun,  InputFormat::Compose,
                                                   InputFormat::Kubernetes, InputFormat::OciConfig,
                                                   InputFormat::Dockerfile, InputFormat::Host};

// "docker-run", "compose", "kubernetes", "oci", "dockerfile", "host"
std::string_view input_format_name(InputFormat format);
std::optional<InputFormat> input_format_from_name(std::string_view name);

struct Finding {
  std::string check_id;                // "BH-CAP-SYSADMIN": a key of the catalogue
  Severity severity = Severity::Info;  // the catalogue's severity for check_id
  InputFormat format = InputFormat::DockerRun;
  SourceLocation where;  // file, line and column of the offending setting (or of the object
                         // when the finding is about something missing); line 0 when unknown
  std::string object;    // what it is about: "service web", "Deployment prod/api container app"
  std::string message;   // this instance: "capability SYS_ADMIN added by cap_add"
};

// Orders by file, line, column, check id, object (a stable, reproducible report order).
bool finding_less(const Finding& a, const Finding& b);

}  // namespace bulkhead::audit
