#!/bin/sh
# Reverse proxy on the host network: the minimal fix for BH-HOST-NETWORK.
set -eu

docker run -d --name proxy \
  --network frontend \
  -p 80:8080 \
  nginx:1.25-alpine
