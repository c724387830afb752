#!/bin/sh
# eBPF based tracer: the minimal fix for BH-CAP-BPF.
set -eu

docker run -d --name tracer \
  example/tracer:0.4
