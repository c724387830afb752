// `bulkhead audit`: finds breakout-prone settings in docker/podman command lines, shell
// scripts, compose files, Kubernetes manifests, OCI configs and Dockerfiles, or in the
// containers running on this host (--host), and reports them as text, JSON, SARIF or HTML.
#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

void register_audit_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
