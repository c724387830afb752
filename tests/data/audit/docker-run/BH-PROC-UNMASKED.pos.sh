#!/bin/sh
# Nested container runtime that wants the real /proc.
set -eu

docker run -d --name nested \
  --security-opt systempaths=unconfined \
  example/nested-runtime:1.0
