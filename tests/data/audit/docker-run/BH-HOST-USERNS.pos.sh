#!/bin/sh
# Opting out of the daemon's user-namespace remapping.
set -eu

docker run -d --name builder \
  --userns=host \
  example/builder:2.4
