# source-mssql as an Airbyte connector image.
#   docker build -t airbyte/source-mssql-rs:0.1.0 .
#   docker run --rm airbyte/source-mssql-rs:0.1.0 spec
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p source-mssql \
 && strip target/release/source-mssql

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 airbyte \
 && mkdir -p /airbyte \
 && chown airbyte:airbyte /airbyte
COPY --from=build /src/target/release/source-mssql /usr/local/bin/source-mssql
USER airbyte
WORKDIR /airbyte
ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/source-mssql"
ENTRYPOINT ["/usr/local/bin/source-mssql"]
LABEL io.airbyte.name="airbyte/source-mssql-rs" \
      io.airbyte.version="0.1.0"
