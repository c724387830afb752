#!/bin/sh
# VPN client managing routes.
set -eu

docker run -d --name vpn \
  --cap-add=NET_ADMIN \
  -e VPN_SERVER=vpn.example.com \
  example/openvpn-client:2.6
