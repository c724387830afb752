#!/bin/sh
# Shared-memory consumer on the host's IPC namespace: the minimal fix for BH-HOST-IPC.
set -eu

docker run -d --name shm-reader \
  --ipc=shareable \
  example/shm-reader:1.0
