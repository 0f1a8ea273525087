#!/usr/bin/env bash
# Regenerates generated/ from proto/ and fails if that changed anything:
# generated code is committed, never edited by hand, and never stale.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/generate.sh
if ! git diff --quiet -- generated || [ -n "$(git ls-files --others --exclude-standard -- generated)" ]; then
  echo "generated/ is stale or was edited by hand; run 'npm run generate' and commit:" >&2
  git status --short -- generated >&2
  exit 1
fi
echo "generated/: current"
