#!/bin/sh
# Router container forwarding packets: the minimal fix for BH-SYSCTL-UNSAFE.
set -eu

docker run -d --name router \
  --sysctl net.ipv4.ip_unprivileged_port_start=0 \
  example/router:3.1
