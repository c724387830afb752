#!/bin/sh
# Headless browser with seccomp switched off: the minimal fix for BH-SECCOMP-UNCONFINED.
set -eu

docker run -d --name chrome \
  --security-opt seccomp=/etc/docker/seccomp/chrome.json \
  example/headless-chrome:120
