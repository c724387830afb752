#!/bin/sh
# Debugging sidecar: the minimal fix for BH-CAP-SYSPTRACE.
set -eu

docker run -it --rm \
  --pid container:api \
  nicolaka/netshoot:v0.11
