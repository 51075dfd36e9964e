#!/usr/bin/env bash
# Installs what the tests need beyond the build (scripts/install-deps.sh), if anything is missing:
#   * boto3 and websockets (tests/e2e/test_lambda_invoke_sdk.py, test_websocket.py): Debian's
#     python3-boto3 and python3-websockets (used through
#     /usr/bin/python3 when the Python running the tests has no boto3 of its own);
#   * the AWS CLI v2 (tests/e2e/test_aws_cli.py): Debian's awscli, run as /usr/bin/aws;
#   * npm, only if `npm` is missing (Node.js itself comes from scripts/install-deps.sh when
#     `node` is missing: Debian 12's nodejs 18 is enough);
#   * the AWS SDK for JavaScript v3 (tests/e2e/sdk-js) and AWS's Node.js runtime interface
#     client, aws-lambda-ric (tests/fixtures/lambda/conformance/ric-node): `npm ci` in each,
#     when node_modules is missing or was installed from another package-lock.json;
#   * dynalite (bench/dynamodb), the remote DynamoDB of tests/e2e/test_dynamodb_remote.py;
#   * s3rver (tests/e2e/s3rver), the remote S3 of tests/e2e/test_s3_remote.py.
# Fast and silent when everything is in place. Usage: scripts/install-test-deps.sh  (root, or
# sudo available for the Debian packages; npm runs as the calling user)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sdk_js="$root/tests/e2e/sdk-js"

# One run at a time per checkout (a lock on this very file): two `npm ci` in one directory
# delete each other's node_modules, as two `make test` started together once did.
exec 9<"${BASH_SOURCE[0]}"
flock 9

# The native build of aws-lambda-ric (AWS's Node.js runtime interface client, run unmodified by
# tests/e2e/test_lambda_runtime_api.py) needs a C/C++ toolchain and the autotools.
packages=(python3-boto3 python3-websockets awscli cmake make g++ autoconf automake libtool)
command -v npm >/dev/null || packages+=(npm)

"$root/scripts/install-deps.sh" "${packages[@]}"

major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 18 ]; then
  echo "Node.js $(node --version) is too old for the AWS SDK for JavaScript v3 (18 or newer)" >&2
  exit 1
fi

# npm_ci DIR WHAT [npm options]: `npm ci` in DIR unless its node_modules was installed from this
# very lock file (a stamp holds the lock file's hash).
npm_ci() {
  local dir="$1" what="$2"
  shift 2
  local stamp="$dir/node_modules/.gatehouse-package-lock.sha256"
  local want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing $what in ${dir#"$root"/} (npm ci)"
    (cd "$dir" && npm ci "$@" --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" > "$stamp"
  fi
}

npm_ci "$sdk_js" "the AWS SDK for JavaScript" --ignore-scripts
npm_ci "$root/bench/dynamodb" "dynalite"
npm_ci "$root/tests/e2e/s3rver" "s3rver"
# Its install scripts build the native addon (curl and aws-lambda-cpp): a few minutes, once.
MAKEFLAGS="-j$(nproc)" npm_ci "$root/tests/fixtures/lambda/conformance/ric-node" \
  "aws-lambda-ric (builds a native addon, a few minutes)"
