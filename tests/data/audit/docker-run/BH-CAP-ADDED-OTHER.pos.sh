#!/bin/sh
# Time server setting the clock.
set -eu

docker run -d --name chrony \
  --cap-add SYS_TIME \
  -p 123:123/udp \
  example/chrony:4.5
