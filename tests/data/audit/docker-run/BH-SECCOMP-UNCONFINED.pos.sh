#!/bin/sh
# Headless browser with seccomp switched off.
set -eu

docker run -d --name chrome \
  --security-opt seccomp=unconfined \
  example/headless-chrome:120
