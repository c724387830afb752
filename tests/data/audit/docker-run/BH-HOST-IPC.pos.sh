#!/bin/sh
# Shared-memory consumer on the host's IPC namespace.
set -eu

docker run -d --name shm-reader \
  --ipc=host \
  example/shm-reader:1.0
