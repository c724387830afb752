#!/bin/sh
# API server, hardened except for capabilities.
set -eu

docker run -d --name api \
  --security-opt no-new-privileges \
  --user 10001:10001 \
  --read-only \
  --memory 512m \
  --pids-limit 256 \
  registry.example.com/api:1.4.2
