#!/bin/sh
# API server, hardened except for the process limit.
set -eu

docker run -d --name api \
  --cap-drop ALL \
  --security-opt no-new-privileges \
  --user 10001:10001 \
  --read-only \
  --memory 512m \
  registry.example.com/api:1.4.2
