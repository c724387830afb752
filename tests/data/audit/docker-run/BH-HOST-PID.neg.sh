#!/bin/sh
# Process monitor seeing every host process: the minimal fix for BH-HOST-PID.
set -eu

docker run -d --name htop \
  example/htop:3.3
