#!/bin/sh
# Log shipper reading the host's logs.
set -eu

docker run -d --name fluent-bit \
  -v /var/log:/var/log/host:ro \
  fluent/fluent-bit:2.2
