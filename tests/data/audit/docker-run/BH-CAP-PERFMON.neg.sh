#!/bin/sh
# Profiler: the minimal fix for BH-CAP-PERFMON.
set -eu

docker run --rm \
  example/profiler:1.1 record -p 1
