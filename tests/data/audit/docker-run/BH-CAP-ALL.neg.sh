#!/bin/sh
# Network appliance given every capability: the minimal fix for BH-CAP-ALL.
set -eu

docker run -d --name router \
  --cap-add NET_BIND_SERVICE \
  example/router:3.1
