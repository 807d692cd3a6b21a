# One image with every jobflow binary (worker, starter, sandbox); compose picks
# one with `command`. Configuration comes from the environment only.
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# timetzdata embeds the time-zone database: market calendars need it.
RUN go build -tags timetzdata -ldflags="-s -w" -o /out/ ./worker ./starter ./sandbox ./codecserver

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
COPY examples/ /usr/share/jobflow/examples/
USER nonroot:nonroot
ENTRYPOINT []
CMD ["worker"]
