#!/usr/bin/env bash
# Smoke test of the image and the compose stack (not part of `npm test`: it needs a Docker engine
# and builds for minutes). It builds the image, starts Redis, Chroma, the bot and a worker with
# docker-compose.yml, plays a session against a fake Slack on this host (a question, an admin's
# `clean turtle_sales`, `status`), and checks the run's files in the shared volume, /readyz,
# /metrics and the queue dashboard. Everything stays on 127.0.0.1 (network_mode: host).
#
#   bash scripts/docker-smoke.sh            # KEEP=1 leaves the stack running for a look
#
# Needs: a running Docker engine (here: apt-get install -y docker.io docker-compose debootstrap;
# dockerd --bridge=none --iptables=false &), node_modules on the host (for the fake Slack), and
# for the default base image root + debootstrap (scripts/docker-base.sh). Settings:
#   DSBOT_BASE_IMAGE   Debian 12 base (default local/debian:bookworm, built when missing)
#   DSBOT_REDIS_IMAGE  a Redis image (default: built from the base with Debian's redis-server)
#   DSBOT_EXTRA_CA     PEM file(s) of a TLS-inspecting proxy's CA (default: /usr/local/share/ca-certificates/*.crt)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PROJECT="${DSBOT_SMOKE_PROJECT:-dsbot-smoke}"
BASE="${DSBOT_BASE_IMAGE:-local/debian:bookworm}"
IMAGE="dsbot:smoke"
WORK="$(mktemp -d /tmp/dsbot-smoke.XXXXXX)"
START=$(date +%s)
say() { echo "smoke: $*"; }
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); elif command -v docker-compose >/dev/null; then COMPOSE=(docker-compose); else
  fail "neither 'docker compose' nor docker-compose is installed (apt-get install -y docker-compose)"; fi
docker info >/dev/null 2>&1 || { echo "smoke: no Docker engine answers. Start one, e.g. dockerd --bridge=none --iptables=false &" >&2; exit 2; }

DRIVER_PID=""
cleanup() {
  local code=$?
  [ -n "$DRIVER_PID" ] && kill "$DRIVER_PID" 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then
    say "KEEP=1: stack left running (${COMPOSE[*]} -p $PROJECT -f docker-compose.yml -f $WORK/override.yml down -v)"
  else
    "${COMPOSE[@]}" -p "$PROJECT" -f docker-compose.yml -f "$WORK/override.yml" down -v --remove-orphans >/dev/null 2>&1 || true
    rm -rf "$WORK"
  fi
  exit $code
}
trap cleanup EXIT

# --- images ------------------------------------------------------------------------------
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  if [ "$BASE" = local/debian:bookworm ]; then say "building the base image $BASE (debootstrap)"; bash scripts/docker-base.sh "$BASE"
  else docker pull "$BASE"; fi
fi
CA_ARG=()
CA_FILES="${DSBOT_EXTRA_CA:-$(ls /usr/local/share/ca-certificates/*.crt 2>/dev/null | tr '\n' ' ')}"
[ -n "${CA_FILES// /}" ] && CA_ARG=(--build-arg "EXTRA_CA_CERTS=$(cat $CA_FILES)")
say "building $IMAGE from $BASE"
T0=$(date +%s)
docker build --network host --build-arg "BASE_IMAGE=$BASE" "${CA_ARG[@]}" -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; fail "docker build"; }
BUILD_S=$(( $(date +%s) - T0 ))
SIZE=$(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')
say "image $IMAGE: $SIZE, built in ${BUILD_S} s"
REDIS_IMAGE="${DSBOT_REDIS_IMAGE:-}"
if [ -z "$REDIS_IMAGE" ]; then
  REDIS_IMAGE="dsbot-smoke/redis:local"
  printf 'FROM %s\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*\n' "$BASE" \
    | docker build --network host -t "$REDIS_IMAGE" - >"$WORK/redis-build.log" 2>&1 || { tail -20 "$WORK/redis-build.log"; fail "building the Redis image"; }
fi

# --- configuration -----------------------------------------------------------------------
read -r REDIS_PORT CHROMA_PORT BOT_HTTP WORKER_HTTP SLACK_PORT < <(node -e '
  const net = require("net"); const ports = [];
  (async () => { for (let i = 0; i < 5; i++) ports.push(await new Promise((r) => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); }));
  console.log(ports.join(" ")); })();')
TOKEN="smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

node --import tsx scripts/smoke-slack.ts "$WORK" "$SLACK_PORT" "$BOT_HTTP" 600 >"$WORK/driver.json" 2>"$WORK/driver.log" &
DRIVER_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/slack-api-url" ] && break; sleep 0.2; done
[ -s "$WORK/slack-api-url" ] || { cat "$WORK/driver.log"; fail "the fake Slack did not start"; }
cat >"$WORK/smoke.yaml" <<EOF
slack:
  apiUrl: $(cat "$WORK/slack-api-url")
  port: $SLACK_PORT
EOF
cat >"$WORK/smoke.env" <<EOF
SLACK_BOT_TOKEN=xoxb-test-token
SLACK_SIGNING_SECRET=test-signing-secret
DSBOT_ADMINS_SLACK=UADMIN
DSBOT_CONFIG=/etc/dsbot/smoke.yaml
DSBOT_DASHBOARD_TOKEN=$TOKEN
DSBOT_PUBLIC_URL=http://127.0.0.1:$BOT_HTTP
DSBOT_REDIS_WAIT_MS=30000
EOF
cat >"$WORK/override.yml" <<EOF
version: "3.8"
services:
  bot:
    volumes: ["$WORK/smoke.yaml:/etc/dsbot/smoke.yaml:ro"]
  worker:
    volumes: ["$WORK/smoke.yaml:/etc/dsbot/smoke.yaml:ro"]
EOF
chmod 644 "$WORK/smoke.yaml"
export DSBOT_IMAGE="$IMAGE" DSBOT_REDIS_IMAGE="$REDIS_IMAGE" DSBOT_ENV_FILE="$WORK/smoke.env" \
  DSBOT_REDIS_PORT="$REDIS_PORT" DSBOT_CHROMA_PORT="$CHROMA_PORT" DSBOT_BOT_HTTP_PORT="$BOT_HTTP" DSBOT_WORKER_HTTP_PORT="$WORKER_HTTP"

# --- the stack -----------------------------------------------------------------------------
say "starting redis:$REDIS_PORT chroma:$CHROMA_PORT bot:$BOT_HTTP (slack $SLACK_PORT) worker:$WORKER_HTTP"
"${COMPOSE[@]}" -p "$PROJECT" -f docker-compose.yml -f "$WORK/override.yml" up -d --no-build >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log"; fail "compose up"; }
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$("${COMPOSE[@]}" -p "$PROJECT" -f docker-compose.yml -f "$WORK/override.yml" ps -q "$1")"; }
for svc in redis chroma bot worker; do
  for _ in $(seq 1 90); do [ "$(health "$svc")" = healthy ] && break; sleep 2; done
  st="$(health "$svc")"
  [ "$st" = healthy ] || { "${COMPOSE[@]}" -p "$PROJECT" -f docker-compose.yml -f "$WORK/override.yml" logs --tail 40 "$svc"; fail "$svc is $st"; }
  say "$svc healthy"
done
say "bot /readyz: $(curl -fsS "http://127.0.0.1:$BOT_HTTP/readyz")"
say "worker /readyz: $(curl -fsS "http://127.0.0.1:$WORKER_HTTP/readyz")"

# --- the session ---------------------------------------------------------------------------
wait "$DRIVER_PID" || { cat "$WORK/driver.log" "$WORK/driver.json"; "${COMPOSE[@]}" -p "$PROJECT" -f docker-compose.yml -f "$WORK/override.yml" logs --tail 60 bot worker; fail "the session (see above)"; }
DRIVER_PID=""
RESULT="$(cat "$WORK/driver.json")"
RUN_ID="$(node -e 'console.log(JSON.parse(process.argv[1]).runId)' "$RESULT")"
RUN_S="$(node -e 'console.log(JSON.parse(process.argv[1]).runSeconds)' "$RESULT")"
say "session: $RESULT"
node -e '
  const r = JSON.parse(process.argv[1]);
  const need = ["cleaned.csv", "report.md", "chart.png", "changes.csv"];
  const missing = need.filter((f) => !r.uploaded.includes(f));
  if (r.state !== "succeeded" || missing.length) { console.error("smoke: uploaded " + r.uploaded + "; missing " + missing); process.exit(1); }
  if (!r.status.includes("Queue dashboard: http")) { console.error("smoke: status reply has no dashboard link: " + r.status); process.exit(1); }' "$RESULT" \
  || fail "the run's uploads or status reply"

# --- the files in the artifact store ---------------------------------------------------------
FILES="$(docker run --rm --network none -v "${PROJECT}_dsbot-data:/d:ro" --entrypoint sh "$IMAGE" -c "
  cd /d/runs/$RUN_ID && ls && echo ROWS \$(( \$(wc -l < cleaned.csv) - 1 )) && grep -m1 'trace id' report.md && head -c 300 report.json")"
echo "$FILES" | sed 's/^/smoke:   /'
for f in cleaned.csv report.md report.json recipe.py commits.jsonl changes.csv; do echo "$FILES" | grep -qx "$f" || fail "$f missing in runs/$RUN_ID"; done
INPUT_ROWS=$(( $(wc -l < data/turtle/turtle_sales.csv) - 1 ))
CLEAN_ROWS=$(echo "$FILES" | awk '/^ROWS/ {print $2}')
[ "$CLEAN_ROWS" -gt 0 ] && [ "$CLEAN_ROWS" -le "$INPUT_ROWS" ] || fail "cleaned.csv has $CLEAN_ROWS rows (input $INPUT_ROWS)"
echo "$FILES" | grep -q 'trace id: [0-9a-f]\{32\}' || fail "report.md has no trace id"

# --- metrics and the dashboard -----------------------------------------------------------------
METRICS="$(curl -fsS "http://127.0.0.1:$WORKER_HTTP/metrics")"
echo "$METRICS" | grep -q '^dsbot_runs_total{outcome="succeeded"} 1' || fail "worker /metrics has no succeeded run"
echo "$METRICS" | grep -q '^dsbot_queue_jobs{state="completed"} 1' || fail "worker /metrics: queue depth"
curl -fsS -u "ops:$TOKEN" "http://127.0.0.1:$BOT_HTTP/queues/api/queues?activeQueue=cleaning-runs&status=completed" | grep -q "\"$RUN_ID\"" || fail "the dashboard does not list $RUN_ID"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$BOT_HTTP/queues")" = 401 ] || fail "the dashboard answers without the token"

say "PASS: image $SIZE (build ${BUILD_S} s); run $RUN_ID succeeded (trigger → files uploaded ${RUN_S} s): $CLEAN_ROWS of $INPUT_ROWS rows kept, files in the volume, trace id in report.md, /metrics and the dashboard list it; total $(( $(date +%s) - START )) s"
