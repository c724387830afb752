#!/bin/sh
# Docker-in-Docker build agent: the minimal fix for BH-PRIVILEGED.
set -eu

docker run -d --name ci-dind \
  -v dind-certs:/certs \
  docker:24-dind-rootless
