#!/bin/sh
# eBPF based tracer.
set -eu

docker run -d --name tracer \
  --cap-add BPF \
  example/tracer:0.4
