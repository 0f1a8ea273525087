#!/usr/bin/env bash
# Schema checks: buf lint, buf format, buf breaking against the released baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
buf=node_modules/.bin/buf
$buf lint
$buf format --diff --exit-code
$buf breaking --against proto/released/presence-v1.binpb
echo "buf lint, format and breaking: clean"
