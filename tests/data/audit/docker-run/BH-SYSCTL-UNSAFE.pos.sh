#!/bin/sh
# Router container forwarding packets.
set -eu

docker run -d --name router \
  --sysctl net.ipv4.ip_forward=1 \
  example/router:3.1
