FROM ubuntu:24.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSLo /tmp/setup.sh https://deb.nodesource.com/setup_20.x \
 && echo "2d8e1b5a5b0e6a2c4f3d8e1b7c9a0f5e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a  /tmp/setup.sh" | sha256sum -c - \
 && bash /tmp/setup.sh \
 && apt-get install -y nodejs \
 && rm -rf /var/lib/apt/lists/* /tmp/setup.sh
USER 1000
