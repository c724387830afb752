#!/bin/sh
# Agent that sets the host name.
set -eu

docker run -d --name agent \
  --uts=host \
  example/agent:3.0
