#!/bin/sh
# Config management agent editing host configuration.
set -eu

docker run -d --name confd \
  -v /etc:/host/etc \
  example/confd:1.2
