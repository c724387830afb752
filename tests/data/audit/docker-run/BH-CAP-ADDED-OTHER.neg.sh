#!/bin/sh
# Time server setting the clock: the minimal fix for BH-CAP-ADDED-OTHER.
set -eu

docker run -d --name chrony \
  -p 123:123/udp \
  example/chrony:4.5
