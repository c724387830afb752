#!/bin/sh
# WireGuard loading its kernel module: the minimal fix for BH-CAP-SYSMODULE.
set -eu

docker run -d --name wireguard \
  --cap-add NET_BIND_SERVICE \
  -p 51820:51820/udp \
  linuxserver/wireguard:1.0.20210914
