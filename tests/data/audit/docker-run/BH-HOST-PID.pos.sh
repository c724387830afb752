#!/bin/sh
# Process monitor seeing every host process.
set -eu

docker run -d --name htop \
  --pid=host \
  example/htop:3.3
