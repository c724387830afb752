#!/bin/sh
# API server, hardened except for the root filesystem.
set -eu

docker run -d --name api \
  --cap-drop ALL \
  --security-opt no-new-privileges \
  --user 10001:10001 \
  --memory 512m \
  --pids-limit 256 \
  registry.example.com/api:1.4.2
