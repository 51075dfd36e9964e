#!/usr/bin/env bash
# Installs the Debian 12 packages Gatehouse builds, runs and tests with, if any is missing:
# the toolchain and libraries, and the runtimes of the example config's Lambda functions
# (python3; Debian's nodejs, 18, only when no `node` is on PATH, so a newer Node.js already
# installed stays the one used). scripts/install-test-deps.sh builds on this one.
# Usage: scripts/install-deps.sh [extra packages...]   (root, or sudo available)
set -euo pipefail

packages=(
  g++ make cmake ninja-build ccache pkg-config
  libboost1.81-dev libyaml-cpp-dev libssl-dev libspdlog-dev doctest-dev libsqlite3-dev
  curl openssl python3 ca-certificates
  "$@"
)
command -v node >/dev/null || packages+=(nodejs)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
