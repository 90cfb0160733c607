#!/usr/bin/env bash
# Builds a Debian 12 base image from Debian's own packages with debootstrap, for machines that
# reach Debian's mirrors but no image registry (FROM debian:bookworm-slim cannot be pulled there).
#   sudo bash scripts/docker-base.sh [IMAGE]        # default local/debian:bookworm
# Then: docker build --build-arg BASE_IMAGE=local/debian:bookworm -t dsbot:local .
# Needs root, debootstrap (apt-get install -y debootstrap) and a running Docker engine.
set -euo pipefail
IMAGE="${1:-local/debian:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
command -v debootstrap >/dev/null || { echo "docker-base: debootstrap is missing (apt-get install -y debootstrap)" >&2; exit 2; }
ROOTFS="$(mktemp -d /var/tmp/dsbot-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
echo "docker-base: debootstrap bookworm (minbase) from $MIRROR…"
debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >/dev/null
# The same sources a debian:bookworm image has (updates and security too), and no leftovers.
cat > "$ROOTFS/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
# As Debian's official images: apt keeps no downloaded packages or caches in image layers.
cat > "$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
echo 'APT::Install-Recommends "false";' > "$ROOTFS/etc/apt/apt.conf.d/docker-no-recommends"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/lib/apt/lists/*
tar -C "$ROOTFS" -c . | docker import --change 'CMD ["bash"]' - "$IMAGE" >/dev/null
echo "docker-base: $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
