#!/usr/bin/env bash
# What `apprentice` costs before its first model call: for `eval --help` and for an `eval` of one example
# against a loopback server answering at once, the modules loaded (ours and each npm package's, counted by a
# module hook) and the wall and CPU time (GNU time), as the mean of RUNS runs; `node -e 0` for reference.
#
#   npm run build && bench/cli-startup.sh [runs, default 5]
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/apprentice-startup-XXXXXX)
echo '{"text":"review 0: the food was bad","label":"negative"}' >"$WORK/one.jsonl"

(cd "$ROOT" && exec node --import tsx "$ROOT/bench/support/latencyServer.ts" 0) >"$WORK/server.url" 2>/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do [ -s "$WORK/server.url" ] && break; sleep 0.5; done
URL=$(head -1 "$WORK/server.url")

# A module hook that appends every module URL the process loads to a file: each ES module and each CommonJS
# module imported from one (a CommonJS package's own require() calls are not seen, so it counts as one).
cat >"$WORK/hooks.mjs" <<'JS'
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.MODULE_LOG, url + '\n');
  return next(url, context);
}
JS
cat >"$WORK/trace.mjs" <<JS
import { register } from 'node:module';
register('file://$WORK/hooks.mjs');
JS

HELP=(node "$ROOT/bin/apprentice.js" eval --help)
ONE=(node "$ROOT/bin/apprentice.js" eval --dataset "jsonl:$WORK/one.jsonl" --labels negative,positive --model "openai:m@$URL"
  --cache none --runs "$WORK/runs" --no-progress --json)

modules() { # command...: "N modules (M ours, K packages: name count, ...)"
  rm -f "$WORK/modules.txt" && rm -rf "$WORK/runs"
  MODULE_LOG="$WORK/modules.txt" node --import "$WORK/trace.mjs" "${@:2}" >/dev/null 2>&1
  sort -u "$WORK/modules.txt" | grep -v '^node:' >"$WORK/unique.txt"
  local total ours packages
  total=$(wc -l <"$WORK/unique.txt")
  ours=$(grep -vc node_modules "$WORK/unique.txt" || true)
  packages=$(grep node_modules "$WORK/unique.txt" | sed -E 's#.*node_modules/((@[^/]+/)?[^/]+)/.*#\1#' | sort | uniq -c | sort -rn |
    awk '{printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1}')
  echo "$total modules ($ours ours; packages: $packages)"
}

timed() { # command...: mean "wall cpu" over RUNS runs
  local wall=0 cpu=0
  for _ in $(seq 1 "$RUNS"); do
    rm -rf "$WORK/runs"
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$WORK/time.txt" "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    read -r user sys <"$WORK/time.txt"
    wall=$(echo "$wall + $end - $start" | bc)
    cpu=$(echo "$cpu + $user + $sys" | bc)
  done
  printf '%.3f s | %.3f s' "$(echo "$wall / $RUNS" | bc -l)" "$(echo "$cpu / $RUNS" | bc -l)"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); mean of $RUNS runs"
printf '| command | wall time | CPU time | modules loaded |\n|---|---:|---:|---|\n'
printf '| `node -e 0` | %s | 0 |\n' "$(timed node -e 0)"
printf '| `apprentice eval --help` | %s | %s |\n' "$(timed "${HELP[@]}")" "$(modules x "${HELP[@]:1}")"
printf '| `apprentice eval` of 1 example | %s | %s |\n' "$(timed "${ONE[@]}")" "$(modules x "${ONE[@]:1}")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
