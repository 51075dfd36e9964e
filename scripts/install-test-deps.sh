#!/usr/bin/env bash
# Installs what the tests need beyond the build (scripts/install-deps.sh), if anything is missing:
#   * boto3 for tests/e2e/test_lambda_invoke_sdk.py: Debian's python3-boto3 (used through
#     /usr/bin/python3 when the Python running the tests has no boto3 of its own);
#   * Node.js and npm, only if `node` is missing (Debian 12's nodejs 18 is enough);
#   * the AWS SDK for JavaScript v3: `npm ci` in tests/e2e/sdk-js, when node_modules is missing
#     or was installed from another package-lock.json.
# Fast and silent when everything is in place. Usage: scripts/install-test-deps.sh  (root, or
# sudo available for the Debian packages; npm runs as the calling user)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sdk_js="$root/tests/e2e/sdk-js"

packages=(python3-boto3)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 18 ]; then
  echo "Node.js $(node --version) is too old for the AWS SDK for JavaScript v3 (18 or newer)" >&2
  exit 1
fi

# node_modules is current when it was installed from this very lock file.
stamp="$sdk_js/node_modules/.gatehouse-package-lock.sha256"
want="$(sha256sum "$sdk_js/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing the AWS SDK for JavaScript in tests/e2e/sdk-js (npm ci)"
  (cd "$sdk_js" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" > "$stamp"
fi
