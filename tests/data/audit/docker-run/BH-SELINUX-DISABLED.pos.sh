#!/bin/sh
# Service with SELinux labelling switched off.
set -eu

podman run -d --name legacy \
  --security-opt label=disable \
  -v /srv/legacy:/data:Z \
  example/legacy-app:7
