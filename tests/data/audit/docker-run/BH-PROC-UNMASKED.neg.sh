#!/bin/sh
# Nested container runtime that wants the real /proc: the minimal fix for BH-PROC-UNMASKED.
set -eu

docker run -d --name nested \
  example/nested-runtime:1.0
