#!/usr/bin/env bash
# The full test run (npm test): schema checks, generated code and golden
# vectors current, typecheck, then every vitest suite. Prints one closing line
# "N passed, N failed" (", N skipped" when some were) counted from vitest's JSON report.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .test-results
failed_checks=()
run_check() {
  local name=$1
  shift
  echo "== $name"
  if ! "$@"; then failed_checks+=("$name"); fi
}
run_check "buf lint, format, breaking" bash scripts/lint.sh
run_check "generated code current" bash scripts/check-generated.sh
run_check "golden vectors current" node --import tsx scripts/make-vectors.ts --check
run_check "typecheck" node_modules/.bin/tsc -p tsconfig.check.json
run_check "build" node_modules/.bin/tsc -p tsconfig.json --outDir .test-results/dist
# The benchmark's quick mode proves every variant still runs; its figures mean nothing.
run_check "benchmark runs (quick)" bash -c 'node --import tsx bench/run.ts --quick >/dev/null && node --import tsx bench/check-results.ts bench/results/quick.json'

echo "== vitest"
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json
vitest_status=$?

if [ ${#failed_checks[@]} -gt 0 ]; then
  echo "failed checks: ${failed_checks[*]}"
fi
node -e '
  const fs = require("node:fs");
  const file = ".test-results/vitest.json";
  if (!fs.existsSync(file)) { console.log("vitest wrote no report"); process.exit(1); }
  const report = JSON.parse(fs.readFileSync(file, "utf8"));
  const checksFailed = Number(process.argv[1]);
  const skipped = report.numPendingTests + report.numTodoTests;
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests + checksFailed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ""));
' "${#failed_checks[@]}"
if [ ${#failed_checks[@]} -gt 0 ]; then exit 1; fi
exit $vitest_status
