#!/bin/sh
# API server, fully hardened.
set -eu

docker run -d --name api \
  --cap-drop ALL \
  --security-opt no-new-privileges \
  --user 10001:10001 \
  --read-only \
  --memory 512m \
  --pids-limit 256 \
  registry.example.com/api:1.4.2
