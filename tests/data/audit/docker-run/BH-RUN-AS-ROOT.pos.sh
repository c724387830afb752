#!/bin/sh
# API server, hardened except for its user.
set -eu

docker run -d --name api \
  --cap-drop ALL \
  --security-opt no-new-privileges \
  --read-only \
  --memory 512m \
  --pids-limit 256 \
  registry.example.com/api:1.4.2
