# syntax=docker/dockerfile:1
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/mineralmap ./cmd/mineralmap

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mineralmap /mineralmap
COPY fixtures /fixtures
EXPOSE 8080
ENV MINERALMAP_ADDR=0.0.0.0:8080
ENTRYPOINT ["/mineralmap"]
CMD ["serve"]
