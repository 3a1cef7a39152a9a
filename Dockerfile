# One image with all four Tollgate executables; docker-compose picks one per service.
ARG SWIFT_VERSION=6.3
FROM swift:${SWIFT_VERSION}-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libhiredis-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies in their own layer so source changes do not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY services ./services
COPY Tests ./Tests
# Only the four services (the benchmark executables under bench/ are not in the image).
RUN mkdir -p /out \
    && for exe in gateway audit keys portal-api; do \
         swift build -c release --static-swift-stdlib --product "$exe" && cp "$(swift build -c release --show-bin-path)/$exe" /out/; \
       done

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libhiredis0.14 ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home tollgate
COPY --from=build /out/ /usr/local/bin/
USER tollgate
ENV TOLLGATE_GATEWAY_HOST=0.0.0.0 TOLLGATE_PORTAL_HOST=0.0.0.0 TOLLGATE_KEYS_HOST=0.0.0.0 TOLLGATE_AUDIT_HOST=0.0.0.0
CMD ["gateway"]
