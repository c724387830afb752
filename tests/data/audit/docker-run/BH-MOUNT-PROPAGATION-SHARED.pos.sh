#!/bin/sh
# Storage plugin publishing mounts back to the host.
set -eu

docker run -d --name csi-node \
  -v /mnt/volumes:/mnt/volumes:rshared \
  example/csi-node:0.9
