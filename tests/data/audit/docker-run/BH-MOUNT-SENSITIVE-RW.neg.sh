#!/bin/sh
# Config management agent editing host configuration: the minimal fix for BH-MOUNT-SENSITIVE-RW.
set -eu

docker run -d --name confd \
  -v /srv/confd/out:/host/etc \
  example/confd:1.2
