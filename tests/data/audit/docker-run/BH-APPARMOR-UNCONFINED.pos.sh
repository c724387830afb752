#!/bin/sh
# Service with AppArmor switched off.
set -eu

docker run -d --name legacy \
  --security-opt apparmor=unconfined \
  example/legacy-app:7
