#!/usr/bin/env bash
# The main job, end to end: train, then classify through the real Serverless CLI.
# Run it through `make demo`, which builds the Python and npm environments first.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=build
MODEL="$BUILD/model"
export MODEL_DIR="$MODEL"
started=$(date +%s)
rm -rf "$BUILD"
mkdir -p "$BUILD/events"

echo "== 1. Train the default model (scikit-learn digits) into $MODEL"
python scripts/train.py --output "$MODEL"

echo
echo "== 2. Sample images: one PNG per digit in $BUILD/samples"
python scripts/export_digits.py "$BUILD/samples" --per-class 1

echo
echo "== 3. sls invoke local, one event per HTTP shape"
invoked=0
for pair in 7:http-v2 3:rest-v1 5:function-url 0:direct 9:binary; do
  digit=${pair%%:*}
  shape=${pair#*:}
  image=$(ls "$BUILD"/samples/"$digit"/*.png | head -n 1)
  event="$BUILD/events/$shape.json"
  python scripts/make_event.py "$image" --shape "$shape" > "$event"
  output=$(sls invoke local -f classify -p "$event" 2>/dev/null)
  echo "   $shape, a $digit: $(printf '%s\n' "$output" | python -m classifier_devtools.demo_show invoke)"
  invoked=$((invoked + 1))
done

echo
echo "== 4. sls offline, real HTTP requests"
port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
lambda_port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setsid sls offline --host 127.0.0.1 --httpPort "$port" --lambdaPort "$lambda_port" \
  > "$BUILD/offline.log" 2>&1 &
server=$!
stop_server() {
  kill -INT -- "-$server" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 -- "-$server" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL -- "-$server" 2>/dev/null || true
}
trap stop_server EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/model" > /dev/null 2>&1 && break
  sleep 0.5
done
url="http://127.0.0.1:$port"
image=$(ls "$BUILD"/samples/4/*.png | head -n 1)
echo "   GET  /model: $(curl -fsS "$url/model" | python -m classifier_devtools.demo_show card)"
json_reply=$(printf '{"image": "%s", "top_k": 2}' "$(base64 -w0 "$image")" \
  | curl -sS -X POST -H 'Content-Type: application/json' --data-binary @- "$url/classify")
echo "   POST /classify, JSON base64 of a 4: $(echo "$json_reply" | python -m classifier_devtools.demo_show response)"
raw_reply=$(curl -sS -X POST -H 'Content-Type: application/octet-stream' \
  --data-binary @"$image" "$url/classify?top_k=2")
echo "   POST /classify, raw bytes of a 4:   $(echo "$raw_reply" | python -m classifier_devtools.demo_show response)"
stop_server
trap - EXIT
if kill -0 -- "-$server" 2>/dev/null; then echo "   server still running!"; exit 1; fi
echo "   server stopped, no process left"

echo
echo "== Summary"
echo "   $(python -m classifier_devtools.demo_show summary "$MODEL/metadata.json")"
echo "   sls invoke local: $invoked events classified; sls offline: 3 HTTP requests answered"
echo "   done in $(( $(date +%s) - started )) s"
