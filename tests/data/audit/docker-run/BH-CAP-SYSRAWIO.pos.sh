#!/bin/sh
# Hardware sensor reader.
set -eu

docker run -d --name sensors \
  --cap-add SYS_RAWIO \
  example/sensors:2.0
