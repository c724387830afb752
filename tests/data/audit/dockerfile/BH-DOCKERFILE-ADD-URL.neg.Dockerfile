FROM alpine:3.20
ADD --checksum=sha256:c5b0666b4cb676901f90dfcb37106783c5fe2077b04590973b885950611b30ee https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /sbin/tini
RUN chmod +x /sbin/tini
USER nobody
ENTRYPOINT ["/sbin/tini", "--"]
