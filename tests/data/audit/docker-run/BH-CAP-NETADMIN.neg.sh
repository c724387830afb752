#!/bin/sh
# VPN client managing routes: the minimal fix for BH-CAP-NETADMIN.
set -eu

docker run -d --name vpn \
  -e VPN_SERVER=vpn.example.com \
  example/openvpn-client:2.6
