#!/usr/bin/env bash
# A/B of two builds of our server against the same s3rver runs: alternates bench/s3-vs-s3rver.mjs with
# packages/server/dist/omnigate.A.mjs and omnigate.B.mjs (copies of two builds' bundles; see bench/README.md) and
# prints one line per run: each figure as ours/s3rver(ratio), then our server's CPU per unit of work.
#   bench/s3-ab.sh [pairs=3] [phases=small]      (BENCH_ROUNDS defaults to 3 here)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
phases=${2:-small}
for _ in $(seq "$pairs"); do
  for build in A B; do
    out=$(BENCH_OMNIGATE_CLI="$PWD/packages/server/dist/omnigate.$build.mjs" BENCH_PHASES="$phases" BENCH_ROUNDS="${BENCH_ROUNDS:-3}" node bench/s3-vs-s3rver.mjs 2>&1)
    figures=$(grep -E '^(4 KiB|64 MiB|list|peak)' <<<"$out" | awk -F'  +' '{printf "%s=%s/%s(%s)  ", $1, $2, $3, $4}')
    echo "$build $figures| $(grep 'server CPU: omnigate' <<<"$out" | sed 's/.*omnigate //')"
  done
done
