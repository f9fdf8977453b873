# Build stage: compile a release binary.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY softcode ./softcode
COPY benches ./benches
# The help files are built into the binary as its fallback help.
COPY config ./config
RUN cargo build --release --locked --bin mushd

# Runtime stage: a small Debian with just the binary, the config and the texts.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/mushd --create-home mushd \
    && mkdir -p /var/lib/mushd/data \
    && chown mushd:mushd /var/lib/mushd/data
COPY --from=build /src/target/release/mushd /usr/local/bin/mushd
COPY config /etc/mushd
WORKDIR /var/lib/mushd
USER mushd
# Created and owned by mushd above, so a new volume starts out writable by it.
VOLUME ["/var/lib/mushd/data"]
EXPOSE 4201 4202 4280
ENTRYPOINT ["/usr/local/bin/mushd"]
CMD ["serve", "--config", "/etc/mushd/docker.toml"]
