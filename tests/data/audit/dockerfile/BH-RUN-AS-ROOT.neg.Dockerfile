# Build stage runs as a user, but that does not carry over to the final stage.
FROM golang:1.22 AS build
USER 1000
WORKDIR /src
COPY . .
RUN go build -o /out/app ./cmd/app

FROM debian:12-slim
COPY --from=build /out/app /usr/local/bin/app
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/app"]
