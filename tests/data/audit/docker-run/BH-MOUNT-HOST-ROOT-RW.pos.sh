#!/bin/sh
# Backup agent reading the whole host.
set -eu

docker run -d --name backup-agent \
  -v /:/host \
  restic/restic:0.16.2 backup /host
