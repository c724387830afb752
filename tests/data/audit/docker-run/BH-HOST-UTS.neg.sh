#!/bin/sh
# Agent that sets the host name: the minimal fix for BH-HOST-UTS.
set -eu

docker run -d --name agent \
  --hostname agent-1 \
  example/agent:3.0
