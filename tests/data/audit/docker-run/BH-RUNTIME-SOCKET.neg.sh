#!/bin/sh
# Portainer management UI: the minimal fix for BH-RUNTIME-SOCKET.
set -eu

docker run -d --name portainer --restart=always \
  -p 9443:9443 \
  -v portainer_data:/data \
  portainer/portainer-ce:2.19.4
