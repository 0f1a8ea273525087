#!/usr/bin/env bash
# Regenerates everything derived from proto/: generated/ (buf generate, the spec
# tables) and the generated tables in docs/. Never edit either by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/buf generate
node --import tsx scripts/generate-spec.ts
node --import tsx scripts/generate-docs.ts
