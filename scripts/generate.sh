#!/usr/bin/env bash
# Regenerates everything under generated/ from proto/. Never edit generated/ by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/buf generate
node --import tsx scripts/generate-spec.ts
