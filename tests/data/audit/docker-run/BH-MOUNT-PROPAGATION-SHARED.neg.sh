#!/bin/sh
# Storage plugin publishing mounts back to the host: the minimal fix for BH-MOUNT-PROPAGATION-SHARED.
set -eu

docker run -d --name csi-node \
  -v /mnt/volumes:/mnt/volumes:rslave \
  example/csi-node:0.9
