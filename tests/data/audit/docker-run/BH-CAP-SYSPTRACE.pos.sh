#!/bin/sh
# Debugging sidecar.
set -eu

docker run -it --rm \
  --cap-add=SYS_PTRACE \
  --pid container:api \
  nicolaka/netshoot:v0.11
