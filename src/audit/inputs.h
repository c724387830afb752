// Readers of audit inputs. Each turns one input into workloads (checks.h evaluates them) or, for
// Dockerfiles, into findings directly. Malformed input throws bulkhead::Error naming the file,
// line, column and field; nothing is reported from a file that could not be read whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"
#include "audit/workload.h"
#include "spec/spec.h"

namespace bulkhead::audit {

// `argv` is one command line starting at the program ("docker", "podman", "/usr/bin/docker", or
// "sudo docker …"), e.g. {"docker", "run", "--privileged", "alpine", "sh"}. Global options
// before `run` (docker -H …, podman --remote) are skipped; `container run` and `create` count
// as run. Returns no workload when the line is not a run/create. `where` locates argv[0].
std::vector<Workload> read_docker_run_args(const std::vector<std::string>& argv,
                                           const SourceLocation& where);
// Every docker/podman run/create in a shell script: backslash continuations joined, comments
// skipped, quotes honoured, commands after ;, &&, ||, | and $( found. Each finding points to the
// line and column of the flag that caused it.
std::vector<Workload> read_shell_script(std::string_view text, const std::string& file);

// docker-compose.yml / compose.yaml: one workload per service.
std::vector<Workload> read_compose(std::string_view text, const std::string& file);

// Kubernetes manifests (multi-document YAML, `kind: List` too): one workload per container
// (containers, initContainers, ephemeralContainers) of Pod, Deployment, StatefulSet, DaemonSet,
// ReplicaSet, ReplicationController, Job and CronJob. Other kinds are skipped.
std::vector<Workload> read_kubernetes(std::string_view text, const std::string& file);

// OCI runtime config.json, read leniently (fields Bulkhead's runtime refuses, such as
// linux.devices or hooks, are audited, not refused). One workload.
std::vector<Workload> read_oci_config(std::string_view text, const std::string& file);
// The spec `bulkhead run` built, for the runtime floor; no file positions.
Workload workload_from_spec(const spec::Spec& spec, const std::string& object);
// The same, for a spec built on a host whose capability bounding set is `grantable`: a
// --privileged spec holds every capability the caller could grant, which may be fewer than
// all (root without CAP_SYS_RESOURCE), and still counts as privileged.
Workload workload_from_spec(const spec::Spec& spec, const std::string& object,
                            const caps::CapSet& grantable);

// Dockerfile / Containerfile: findings of the Dockerfile checks (USER missing or root, ADD of a
// URL, curl|sh, secrets in ENV/ARG).
std::vector<Finding> audit_dockerfile(std::string_view text, const std::string& file);

}  // namespace bulkhead::audit
