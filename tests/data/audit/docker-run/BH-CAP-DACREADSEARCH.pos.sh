#!/bin/sh
# File indexer that wants to read everything.
set -eu

docker run -d --name indexer \
  --cap-add DAC_READ_SEARCH \
  -v media:/media:ro \
  example/indexer:5.2
