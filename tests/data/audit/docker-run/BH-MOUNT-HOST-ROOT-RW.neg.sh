#!/bin/sh
# Backup agent reading the whole host: the minimal fix for BH-MOUNT-HOST-ROOT-RW.
set -eu

docker run -d --name backup-agent \
  -v /:/host:ro \
  restic/restic:0.16.2 backup /host
