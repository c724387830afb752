#!/bin/sh
# Service with AppArmor switched off: the minimal fix for BH-APPARMOR-UNCONFINED.
set -eu

docker run -d --name legacy \
  --security-opt apparmor=docker-default \
  example/legacy-app:7
