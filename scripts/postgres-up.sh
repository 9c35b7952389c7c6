#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at 127.0.0.1:5432 for the integration tests (the shared
# store's conformance suite and the multi-collector test): starts every local cluster that
# `pg_lsclusters` lists as down. PG_TEST_URL points the tests elsewhere; then nothing is started.
set -euo pipefail

if [[ -n ${PG_TEST_URL:-} ]]; then
  exit 0
fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  exit 0
fi
command -v pg_lsclusters >/dev/null 2>&1 ||
  { echo "postgres-up: no PostgreSQL here; install it (apt-get install -y postgresql) or set PG_TEST_URL" >&2; exit 1; }

sudo=()
if ((EUID != 0)); then
  sudo=(sudo -n)
fi
while read -r version cluster _port status _rest; do
  if [[ $status != online* ]]; then
    echo "postgres-up: starting cluster $version/$cluster"
    "${sudo[@]}" pg_ctlcluster "$version" "$cluster" start
  fi
done < <(pg_lsclusters --no-header)

for _ in $(seq 1 30); do
  if pg_isready -q -h 127.0.0.1 -p 5432; then
    exit 0
  fi
  sleep 1
done
echo "postgres-up: PostgreSQL did not answer at 127.0.0.1:5432 within 30 s" >&2
exit 1
