#!/bin/sh
# Node exporter with the host filesystem.
set -eu

docker run -d --name node-exporter \
  -v /:/host:ro,rslave \
  quay.io/prometheus/node-exporter:v1.7.0 --path.rootfs=/host
