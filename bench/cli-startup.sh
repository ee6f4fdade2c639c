#!/usr/bin/env bash
# What `apprentice` costs before its first model call: for `eval --help`, an `eval` of one example and an
# `eval` of 2,000 (bench/cli-vs-promptfoo.sh's rows, concurrency 32) against a loopback server answering at
# once: the wall and CPU time (GNU time) and the time from the process's start to its first model request (a
# preload notes the first TCP connect), as the mean of RUNS runs, `node -e 0` for reference; and the files
# loaded, counted by a module hook (ours, a bundle file counting as one, and each npm package's not bundled).
#
#   npm run build && bench/cli-startup.sh [runs, default 5]
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/apprentice-startup-XXXXXX)
echo '{"text":"review 0: the food was bad","label":"negative"}' >"$WORK/one.jsonl"
for i in $(seq 0 1999); do
  if ((i % 2)); then echo "{\"text\":\"review $i: the service was fine and the food was good\",\"label\":\"positive\"}"
  else echo "{\"text\":\"review $i: the service was fine and the food was bad\",\"label\":\"negative\"}"; fi
done >"$WORK/rows.jsonl"

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

# Prints the milliseconds from the process's start to its first TCP connect (the first model request) on stderr.
cat >"$WORK/first-request.mjs" <<'JS'
import net from 'node:net';
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  net.Socket.prototype.connect = connect;
  process.stderr.write(`first request after ${performance.now().toFixed(1)} ms\n`);
  return connect.apply(this, args);
};
JS

HELP=(node "$ROOT/bin/apprentice.js" eval --help)
ONE=(node "$ROOT/bin/apprentice.js" eval --dataset "jsonl:$WORK/one.jsonl" --labels negative,positive --model "openai:m@$URL"
  --cache none --runs "$WORK/runs" --no-progress --json)
ROWS=(node "$ROOT/bin/apprentice.js" eval --dataset "jsonl:$WORK/rows.jsonl" --labels negative,positive --model "openai:m@$URL"
  --cache none --concurrency 32 --runs "$WORK/runs" --no-progress --json)

modules() { # command...: "N modules (M ours, K packages: name count, ...)"
  rm -f "$WORK/modules.txt" && rm -rf "$WORK/runs"
  MODULE_LOG="$WORK/modules.txt" node --import "$WORK/trace.mjs" "${@:2}" >/dev/null 2>&1
  sort -u "$WORK/modules.txt" | grep -v '^node:' >"$WORK/unique.txt"
  local total ours packages
  total=$(wc -l <"$WORK/unique.txt")
  ours=$(grep -vc node_modules "$WORK/unique.txt" || true)
  packages=$(grep node_modules "$WORK/unique.txt" | sed -E 's#.*node_modules/((@[^/]+/)?[^/]+)/.*#\1#' | sort | uniq -c | sort -rn |
    awk '{printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1}')
  echo "$total files ($ours ours; packages: $packages)"
}

timed() { # [--first] command...: mean "wall | cpu" over RUNS runs; with --first, also "| first request" (preloaded)
  local preload=() wall=0 cpu=0 first=0
  if [ "$1" = --first ]; then preload=(--import "$WORK/first-request.mjs") && shift; fi
  for _ in $(seq 1 "$RUNS"); do
    rm -rf "$WORK/runs"
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$WORK/time.txt" "$1" "${preload[@]}" "${@:2}" >/dev/null 2>"$WORK/stderr.txt"
    end=$(date +%s.%N)
    read -r user sys <"$WORK/time.txt"
    wall=$(echo "$wall + $end - $start" | bc)
    cpu=$(echo "$cpu + $user + $sys" | bc)
    first=$(echo "$first + $(sed -n 's/^first request after \([0-9.]*\) ms$/\1/p' "$WORK/stderr.txt" | head -1 | grep . || echo 0)" | bc)
  done
  printf '%.3f s | %.3f s' "$(echo "$wall / $RUNS" | bc -l)" "$(echo "$cpu / $RUNS" | bc -l)"
  if [ ${#preload[@]} -gt 0 ]; then printf ' | %.0f ms' "$(echo "$first / $RUNS" | bc -l)"; else printf ' | -'; fi
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); mean of $RUNS runs"
printf '| command | wall time | CPU time | first request | files loaded |\n|---|---:|---:|---:|---|\n'
printf '| `node -e 0` | %s | 0 |\n' "$(timed node -e 0)"
printf '| `apprentice eval --help` | %s | %s |\n' "$(timed "${HELP[@]}")" "$(modules x "${HELP[@]:1}")"
printf '| `apprentice eval` of 1 example | %s | %s |\n' "$(timed --first "${ONE[@]}")" "$(modules x "${ONE[@]:1}")"
printf '| `apprentice eval` of 2,000 examples | %s | %s |\n' "$(timed --first "${ROWS[@]}")" "$(modules x "${ROWS[@]:1}")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
