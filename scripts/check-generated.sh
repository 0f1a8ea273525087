#!/usr/bin/env bash
# Regenerates generated/ and the docs' generated tables from proto/ and fails
# if that changed anything: generated code and docs are committed, never
# edited by hand, and never stale.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/generate.sh
if ! git diff --quiet -- generated docs || [ -n "$(git ls-files --others --exclude-standard -- generated)" ]; then
  echo "generated/ or a generated docs table is stale or was edited by hand; run 'npm run generate' and commit:" >&2
  git status --short -- generated docs >&2
  exit 1
fi
echo "generated/ and the docs' generated tables: current"
