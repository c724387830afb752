#!/bin/sh
# WireGuard loading its kernel module.
set -eu

docker run -d --name wireguard \
  --cap-add NET_BIND_SERVICE \
  --cap-add SYS_MODULE \
  -p 51820:51820/udp \
  linuxserver/wireguard:1.0.20210914
