#!/bin/sh
# Network appliance given every capability.
set -eu

docker run -d --name router \
  --cap-add ALL \
  example/router:3.1
