#!/bin/sh
# Profiler.
set -eu

docker run --rm \
  --cap-add PERFMON \
  example/profiler:1.1 record -a
