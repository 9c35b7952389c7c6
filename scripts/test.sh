#!/usr/bin/env bash
# The one test command (`npm test`): static checks, unit tests, integration tests against a real
# local Kafka broker, the production build, then end-to-end tests. Cheap steps run first so a
# typo fails in seconds rather than after the broker and the build. Stops at the first failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Playwright drives the system Chromium; its own browser download is neither wanted nor reachable.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

readonly KAFKA_SH=docker/kafka-local/kafka.sh
readonly KAFKA_BROKERS_LOCAL=127.0.0.1:${KAFKA_PORT:-9092}
started_kafka=0
suite_start=$SECONDS

# Stops the broker only if this run started it: a developer's broker that was already up
# (holding topics they are looking at) survives `npm test`.
cleanup() {
  local status=$?
  if ((started_kafka)); then
    bash "$KAFKA_SH" down || true
  fi
  if ((status == 0)); then
    printf '\n=== all steps passed in %ds\n' "$((SECONDS - suite_start))"
  fi
  exit "$status"
}
trap cleanup EXIT
# Without these, Ctrl-C or a CI cancel would skip the EXIT trap's cleanup in some bash versions.
trap 'exit 130' INT
trap 'exit 143' TERM

step() {
  local name=$1 start=$SECONDS status=0
  shift
  printf '\n=== %s: %s\n' "$name" "$*"
  "$@" || status=$?
  if ((status != 0)); then
    printf '=== %s FAILED (exit %d) after %ds\n' "$name" "$status" "$((SECONDS - start))" >&2
    exit "$status"
  fi
  printf '=== %s passed in %ds\n' "$name" "$((SECONDS - start))"
}

step typecheck npm run typecheck
step lint npm run lint
step unit npm run test:unit

if ! bash "$KAFKA_SH" status >/dev/null 2>&1; then
  # Set before `up` so a broker that starts but never becomes ready is still stopped.
  started_kafka=1
fi
step kafka bash "$KAFKA_SH" up
# The shared store's tests run against a real PostgreSQL (PG_TEST_URL, default 127.0.0.1:5432).
step postgres bash scripts/postgres-up.sh
step integration env KAFKA_BROKERS="$KAFKA_BROKERS_LOCAL" npm run test:int
step faults env KAFKA_BROKERS="$KAFKA_BROKERS_LOCAL" npm run test:faults

step build npm run build
# The browser tests run the whole stack against the real broker too (their own topic namespace).
step e2e env KAFKA_BROKERS="$KAFKA_BROKERS_LOCAL" npm run test:e2e
