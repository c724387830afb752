#!/bin/sh
# Service with SELinux labelling switched off: the minimal fix for BH-SELINUX-DISABLED.
set -eu

podman run -d --name legacy \
  --security-opt label=level:s0:c100,c200 \
  -v /srv/legacy:/data:Z \
  example/legacy-app:7
