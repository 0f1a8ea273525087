#!/usr/bin/env bash
# Compares the server of two commits under the same load tool (this tree's
# bench/load), taking turns: A, B, A, B ... each run its own set of processes.
#   bash bench/load/compare.sh <commitA> <commitB> <rounds> [npm run load options...]
# Prints each run's step and query lines; the JSON of each is left in the output folder it names.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
a=$1 b=$2 rounds=$3
shift 3
out=$(mktemp -d /tmp/load-compare-XXXXXX)
for commit in "$a" "$b"; do
  tree="$out/tree-$commit"
  mkdir -p "$tree"
  git -C "$repo" archive "$commit" | tar -x -C "$tree"
  rm -rf "$tree/bench/load" && cp -r "$repo/bench/load" "$tree/bench/load"
  ln -s "$repo/node_modules" "$tree/node_modules"
done
for round in $(seq 1 "$rounds"); do
  for commit in "$a" "$b"; do
    json="$out/$commit-$round.json"
    (cd "$out/tree-$commit" && node --import tsx bench/load/main.ts "$@" --out "$json" 2>"$out/$commit-$round.log" >/dev/null) || echo "$commit round $round failed: see $out/$commit-$round.log"
    echo "$commit round $round: $(grep -E '^(step|queries)' "$out/$commit-$round.log" | tr '\n' ' ')"
  done
done
echo "results in $out"
