#!/usr/bin/env bash
# Builds the seccomp benchmark if needed and runs it; the Markdown it prints is what
# docs/BENCHMARKS.md holds. Run as root (or anyone allowed seccomp with no_new_privs) on an
# otherwise idle machine; it takes well under two minutes.
#
#   bench/run_seccomp_bench.sh                      static figures and ns per call
#   bench/run_seccomp_bench.sh --no-kernel          static figures only (deterministic)
#   bench/run_seccomp_bench.sh --help               the benchmark's own options
#
# BULKHEAD_BUILD_DIR selects the build directory (default: build/, as scripts/setup.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BULKHEAD_BUILD_DIR:-$ROOT/build}"

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
# Progress goes to stderr so stdout stays pure Markdown.
cmake --build "$BUILD_DIR" --target bulkhead_seccomp_bench >&2

exec "$BUILD_DIR/bench/bulkhead_seccomp_bench" "$@"
