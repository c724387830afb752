#!/bin/sh
# Reverse proxy on the host network.
set -eu

docker run -d --name proxy \
  --network host \
  nginx:1.25-alpine
