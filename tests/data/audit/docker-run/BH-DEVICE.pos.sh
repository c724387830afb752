#!/bin/sh
# Zigbee bridge with a USB stick.
set -eu

docker run -d --name zigbee2mqtt \
  --device /dev/ttyUSB0:/dev/ttyACM0 \
  -v z2m-data:/app/data \
  koenkk/zigbee2mqtt:1.35.1
