#!/bin/sh
# Node exporter with the host filesystem: the minimal fix for BH-MOUNT-HOST-ROOT.
set -eu

docker run -d --name node-exporter \
  -v /srv/textfile:/textfile:ro \
  quay.io/prometheus/node-exporter:v1.7.0 --collector.textfile.directory=/textfile
