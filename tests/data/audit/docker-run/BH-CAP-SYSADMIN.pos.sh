#!/bin/sh
# FUSE filesystem inside a container.
set -eu

docker run -d --name sshfs \
  --cap-add SYS_ADMIN \
  -v sshfs-keys:/keys:ro \
  example/sshfs:1.0
