#!/bin/sh
# Docker-in-Docker build agent.
set -eu

docker run -d --name ci-dind \
  --privileged \
  -v dind-certs:/certs \
  docker:24-dind
