#!/bin/sh
# File indexer that wants to read everything: the minimal fix for BH-CAP-DACREADSEARCH.
set -eu

docker run -d --name indexer \
  -v media:/media:ro \
  example/indexer:5.2
