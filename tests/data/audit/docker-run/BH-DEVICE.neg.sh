#!/bin/sh
# Zigbee bridge with a USB stick: the minimal fix for BH-DEVICE.
set -eu

docker run -d --name zigbee2mqtt \
  -e ZIGBEE2MQTT_CONFIG_SERIAL_PORT=tcp://192.0.2.10:6638 \
  -v z2m-data:/app/data \
  koenkk/zigbee2mqtt:1.35.1
