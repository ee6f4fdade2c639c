#!/usr/bin/env bash
# `apprentice eval` against promptfoo on the same job, the same loopback server and in the same run: a bars-style
# label task of N rows (default 2,000) at concurrency 32 against an OpenAI-compatible server answering after
# 50 ms, so the ideal wall time is N x 50 ms / 32. Prints each tool's wall and CPU time, its ratio to the ideal,
# and apprentice's wall time as a share of promptfoo's (issue #20's goals: <= 1.15x ideal, <= 0.3x promptfoo).
# For scale, the floor: the same calls from a bare-socket client that does nothing else (bench/support/
# bareClient.ts; no process start-up counted), what the server and loopback alone cost above the ideal.
#
#   npm run build && bench/cli-vs-promptfoo.sh [rows] [latency ms] [concurrency]
#
# promptfoo is installed for the bench only, into a temporary folder (PROMPTFOO_DIR to reuse one), never as a
# project dependency. Both tools run without a cache.
set -euo pipefail
ROWS=${1:-2000}
LATENCY=${2:-50}
CONCURRENCY=${3:-32}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/apprentice-vs-promptfoo-XXXXXX)
PF_DIR=${PROMPTFOO_DIR:-$WORK/promptfoo}
export PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_CACHE_ENABLED=false

if [ ! -x "$PF_DIR/node_modules/.bin/promptfoo" ]; then
  mkdir -p "$PF_DIR"
  (cd "$PF_DIR" && npm install --no-audit --no-fund --loglevel=error promptfoo >/dev/null)
fi

# The dataset, once as JSONL for apprentice and once as CSV for promptfoo (same rows, same prompt).
node -e '
const fs = require("fs");
const [rows, dir] = [Number(process.argv[1]), process.argv[2]];
const jsonl = [], csv = ["text,__expected"];
for (let i = 0; i < rows; i++) {
  const label = i % 2 ? "positive" : "negative";
  const text = `review ${i}: the service was fine and the food was ${i % 2 ? "good" : "bad"}`;
  jsonl.push(JSON.stringify({ text, label }));
  csv.push(`"${text}",icontains:${label}`);
}
fs.writeFileSync(`${dir}/data.jsonl`, jsonl.join("\n") + "\n");
fs.writeFileSync(`${dir}/tests.csv`, csv.join("\n") + "\n");
' "$ROWS" "$WORK"

# node itself (not an npx wrapper), so the trap's kill stops the server.
(cd "$ROOT" && exec node --import tsx "$ROOT/bench/support/latencyServer.ts" "$LATENCY") >"$WORK/server.url" 2>/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do [ -s "$WORK/server.url" ] && break; sleep 0.5; done
URL=$(head -1 "$WORK/server.url")

cat >"$WORK/promptfooconfig.yaml" <<YAML
prompts:
  - "Classify the sentiment of the review as negative or positive.\n\nReview: {{text}}\nAnswer:"
providers:
  - id: openai:chat:m
    config:
      apiBaseUrl: $URL
      apiKey: not-needed
      temperature: 0
      max_tokens: 16
tests: file://tests.csv
YAML

timed() { # label, command...: prints "label wall cpu"
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$WORK/time.txt" "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" || { echo "$label failed:"; tail -5 "$WORK/$label.err"; exit 1; }
  end=$(date +%s.%N)
  read -r user sys <"$WORK/time.txt"
  echo "$label $(echo "$end - $start" | bc) $(echo "$user + $sys" | bc)"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
A=$(timed apprentice node "$ROOT/bin/apprentice.js" eval --dataset "jsonl:$WORK/data.jsonl" --labels negative,positive \
  --model "openai:m@$URL" --cache none --concurrency "$CONCURRENCY" --runs "$WORK/runs" --no-progress --json)
P=$(cd "$WORK" && timed promptfoo "$PF_DIR/node_modules/.bin/promptfoo" eval -c promptfooconfig.yaml --max-concurrency "$CONCURRENCY" \
  --no-cache --no-write --no-table --no-progress-bar -o "$WORK/promptfoo.json")

FLOOR=$(cd "$ROOT" && node --import tsx "$ROOT/bench/support/bareClient.ts" "$URL" "$ROWS" "$CONCURRENCY")

IDEAL=$(echo "scale=3; $ROWS * $LATENCY / 1000 / $CONCURRENCY" | bc)
read -r _ AW AC <<<"$A"
read -r _ PW PC <<<"$P"
echo "rows $ROWS, latency $LATENCY ms, concurrency $CONCURRENCY: ideal $IDEAL s; load average $LOAD_BEFORE before, $(cut -d' ' -f1-3 /proc/loadavg) after"
printf '| tool | wall time | CPU time | wall vs ideal |\n|---|---:|---:|---:|\n'
printf '| apprentice eval | %.2f s | %.2f s | %.2fx |\n' "$AW" "$AC" "$(echo "$AW / $IDEAL" | bc -l)"
printf '| promptfoo eval | %.2f s | %.2f s | %.2fx |\n' "$PW" "$PC" "$(echo "$PW / $IDEAL" | bc -l)"
printf '| the calls alone from a bare-socket client (the floor) | %.2f s | | %.2fx |\n' "$FLOOR" "$(echo "$FLOOR / $IDEAL" | bc -l)"
printf 'apprentice / promptfoo wall time: %.2fx (goal <= 0.3x); CPU time: %.2fx\n' "$(echo "$AW / $PW" | bc -l)" "$(echo "$AC / $PC" | bc -l)"
