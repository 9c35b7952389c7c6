#!/usr/bin/env bash
# A real Apache Kafka broker without Docker, for integration tests and local Kafka-mode runs:
# one KRaft node acting as broker and controller, listening on 127.0.0.1 only. Besides the
# PLAINTEXT listener it always serves a SASL_SSL one (SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN over
# TLS with a CA this script makes), so the same broker backs the plain tests and the secure one.
#
#   kafka.sh up          start (idempotent), wait until it answers metadata requests
#   kafka.sh down        stop the broker this script started
#   kafka.sh status      exit 0 when it runs and answers, 3 when it does not (LSB convention)
#   kafka.sh logs        print the broker log; `logs -f` follows it
#   kafka.sh env-secure  print the client env (KAFKA_BROKERS=..., KAFKA_SSL=true, ...) for SASL_SSL
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_SECURE_PORT (9094, SASL_SSL),
# KAFKA_LOCAL_SASL_PASSWORD (password of user `causeway`, default causeway-secret),
# CAUSEWAY_CACHE (jar cache root, ~/.cache/causeway), KAFKA_LOCAL_DIR (state dir,
# <repo>/.cache/kafka-local), KAFKA_LOCAL_RESET=1 (wipe the data on `up`, stopping a running
# broker first; the TLS material in <state>/tls is kept, delete that dir to make a new CA).
set -euo pipefail

readonly KAFKA_VERSION=3.9.2
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
readonly SCRIPT_DIR REPO_ROOT
readonly CACHE_ROOT=${CAUSEWAY_CACHE:-$HOME/.cache/causeway}
readonly LIBS_DIR=$CACHE_ROOT/kafka-$KAFKA_VERSION/libs
readonly STATE_DIR=${KAFKA_LOCAL_DIR:-$REPO_ROOT/.cache/kafka-local}
readonly DATA_DIR=$STATE_DIR/data
readonly PID_FILE=$STATE_DIR/kafka.pid
readonly LOG_FILE=$STATE_DIR/kafka.log
# JVM output that happens before log4j is up (bad flags, missing classes) lands here.
readonly OUT_FILE=$STATE_DIR/kafka.out
readonly KAFKA_PORT=${KAFKA_PORT:-9092}
readonly CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
readonly SECURE_PORT=${KAFKA_SECURE_PORT:-9094}
readonly BOOTSTRAP=127.0.0.1:$KAFKA_PORT
readonly SECURE_BOOTSTRAP=127.0.0.1:$SECURE_PORT
# TLS material lives outside DATA_DIR so KAFKA_LOCAL_RESET keeps the CA clients already trust.
readonly TLS_DIR=$STATE_DIR/tls
readonly CA_FILE=$TLS_DIR/ca.pem
readonly KEYSTORE_FILE=$TLS_DIR/broker.p12
# Guards nothing (the unencrypted keys sit next to it in the same dir); Java keystores need one.
readonly STORE_PASS=kafka-local
readonly SASL_USER=causeway
readonly SASL_PASSWORD=${KAFKA_LOCAL_SASL_PASSWORD:-causeway-secret}
readonly SCRAM_MECHANISMS=(SCRAM-SHA-512 SCRAM-SHA-256)
# KRaft stores SCRAM credentials in the metadata log, written at format time. This marker records
# which credentials the data dir was formatted with; it lives inside DATA_DIR so a wipe drops it too.
readonly SCRAM_MARKER=$DATA_DIR/.causeway-scram
readonly START_TIMEOUT_S=90
readonly STOP_TIMEOUT_S=30

log() { printf 'kafka-local: %s\n' "$*"; }
die() {
  printf 'kafka-local: error: %s\n' "$*" >&2
  exit 1
}

require_tools() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(java)
  command -v mvn >/dev/null 2>&1 || missing+=(mvn)
  command -v keytool >/dev/null 2>&1 || missing+=(keytool)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if ((${#missing[@]})); then
    die "${missing[*]} not found. Install Java 17 (it brings keytool), Maven and OpenSSL, e.g. on Debian/Ubuntu:
  sudo apt-get install -y openjdk-17-jre-headless maven openssl"
  fi
  # The password goes verbatim into the --add-scram spec ([name=...,password=...]) and into a
  # JAAS string in server.properties; neither has an escape syntax worth relying on.
  [[ $SASL_PASSWORD =~ ^[A-Za-z0-9._~+-]{8,}$ ]] ||
    die "KAFKA_LOCAL_SASL_PASSWORD must be at least 8 characters from A-Z a-z 0-9 . _ ~ + -"
  command -v node >/dev/null 2>&1 || die "node not found; the readiness probe needs Node >= 22.13"
  [[ -d $REPO_ROOT/node_modules/kafkajs ]] || die "kafkajs is not installed; run 'npm ci' first"
}

pid_alive() {
  local state
  [[ -r /proc/$1/status ]] || return 1
  state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true)
  [[ -n $state && $state != Z ]]
}

# The pid file alone is not trusted: after a reboot or a crash the pid may belong to another
# process, and a zombie still answers `kill -0`. So the pid must be a live kafka.Kafka process.
broker_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  printf '%s\n' "$pid"
}

formatted_cluster_id() {
  sed -n 's/^cluster\.id=//p' "$DATA_DIR/meta.properties" 2>/dev/null || true
}

# True when the broker on our port answers and is the one formatted in our data dir.
answers() {
  local expected actual
  expected=$(formatted_cluster_id)
  [[ -n $expected ]] || return 1
  actual=$(cd "$REPO_ROOT" && node "$SCRIPT_DIR/probe.ts" "$BOOTSTRAP" 2>/dev/null) || return 1
  [[ $actual == "$expected" ]]
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Identifies the SCRAM users a data dir must hold; the password only as a hash, so the marker
# does not spread it further than server.properties already does.
scram_fingerprint() {
  printf '%s\n' "${SCRAM_MECHANISMS[*]}" "$SASL_USER" "$(printf '%s' "$SASL_PASSWORD" | sha256sum | cut -d' ' -f1)"
}

scram_current() {
  [[ -f $SCRAM_MARKER && $(<"$SCRAM_MARKER") == "$(scram_fingerprint)" ]]
}

secure_summary() {
  printf 'SASL_SSL on %s (user %s, CA %s; client env: %s env-secure)' \
    "$SECURE_BOOTSTRAP" "$SASL_USER" "$CA_FILE" "$0"
}

print_log_tail() {
  local f
  for f in "$OUT_FILE" "$LOG_FILE"; do
    if [[ -s $f ]]; then
      printf '\n--- last 50 lines of %s ---\n' "$f" >&2
      tail -n 50 "$f" >&2
    fi
  done
}

# Downloads once per machine. Maven writes into a temp dir that is renamed into place only when
# complete, so an interrupted download never leaves a cache that looks valid but lacks jars.
ensure_libs() {
  [[ -f $LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar ]] && return 0
  local parent=${LIBS_DIR%/*} tmp
  mkdir -p "$parent"
  tmp=$(mktemp -d "$parent/libs.tmp.XXXXXX")
  # shellcheck disable=SC2064 # expand now: $tmp is local and gone when the trap fires
  trap "rm -rf '$tmp'" EXIT
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR"
  # Maven prints colour codes even with -q -B; keep its output for when it fails.
  if ! mvn -q -B -f "$SCRIPT_DIR/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp/libs" >"$tmp/mvn.log" 2>&1; then
    cat "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    die "Maven could not fetch the Kafka jars (see above)"
  fi
  rm -rf "$LIBS_DIR"
  mv "$tmp/libs" "$LIBS_DIR"
  rm -rf "$tmp"
  trap - EXIT
}

# The CA and the broker certificate are made once per state dir and reused: a JVM start for
# keytool costs about a second, and a stable CA lets clients keep pointing at ca.pem across resets.
# Made in a temp dir and renamed into place, so an interrupted run never leaves half a set.
ensure_tls() {
  if [[ -f $CA_FILE && -f $KEYSTORE_FILE && -f $TLS_DIR/broker.pem ]] &&
    openssl x509 -checkend $((7 * 86400)) -noout -in "$TLS_DIR/broker.pem" >/dev/null 2>&1; then
    return 0
  fi
  log "making a CA and a broker certificate for 127.0.0.1/localhost in $TLS_DIR"
  local tmp
  tmp=$(mktemp -d "$STATE_DIR/tls.tmp.XXXXXX")
  # shellcheck disable=SC2064 # expand now: $tmp is local and gone when the trap fires
  trap "rm -rf '$tmp'" EXIT
  # A config file rather than -addext: LibreSSL (macOS) and OpenSSL 1.1 read it too.
  cat >"$tmp/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[broker_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  # Chained with &&: `set -e` has no effect inside a subshell whose status an `if` tests.
  if ! (
    cd "$tmp" &&
      umask 077 && # the private keys are readable by the owner only
      openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key &&
      openssl req -config openssl.cnf -new -x509 -key ca.key -subj "/CN=Causeway kafka-local CA" \
        -extensions ca_ext -days 3650 -sha256 -out ca.pem &&
      openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out broker.key &&
      openssl req -config openssl.cnf -new -key broker.key -subj "/CN=localhost" -out broker.csr &&
      openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
        -extfile openssl.cnf -extensions broker_ext -days 825 -sha256 -out broker.pem &&
      openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
        -passout "pass:$STORE_PASS" -out openssl.p12 &&
      # keytool rewrites the keystore with the JDK's own PKCS12 encryption: OpenSSL 3 defaults to
      # PBES2/AES, which JDKs before 11.0.12 cannot open. It also proves Java can read it.
      keytool -importkeystore -noprompt -srckeystore openssl.p12 -srcstoretype PKCS12 \
        -srcstorepass "$STORE_PASS" -destkeystore broker.p12 -deststoretype PKCS12 -deststorepass "$STORE_PASS" &&
      # For Java clients (kafka-console-consumer and friends): ssl.truststore.location.
      keytool -importcert -noprompt -alias kafka-local-ca -file ca.pem -keystore truststore.p12 \
        -storetype PKCS12 -storepass "$STORE_PASS" &&
      rm -f broker.csr openssl.p12 openssl.cnf &&
      chmod 644 ca.pem broker.pem truststore.p12
  ) >"$STATE_DIR/tls.log" 2>&1; then
    cat "$STATE_DIR/tls.log" >&2
    rm -rf "$tmp"
    die "making the TLS material failed (see above)"
  fi
  rm -f "$STATE_DIR/tls.log"
  rm -rf "$TLS_DIR"
  mv "$tmp" "$TLS_DIR"
  chmod 755 "$TLS_DIR"
  trap - EXIT
}

write_config() {
  mkdir -p "$DATA_DIR"
  # server.properties holds the SASL password (PLAIN's JAAS user list): owner-only, and made
  # afresh because an existing file keeps its old mode.
  rm -f "$STATE_DIR/server.properties"
  (umask 077 && : >"$STATE_DIR/server.properties")
  cat >>"$STATE_DIR/server.properties" <<EOF
# Generated by docker/kafka-local/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,SASL_SSL://127.0.0.1:$SECURE_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$SECURE_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA_DIR

# The SASL_SSL listener: TLS with the harness CA's certificate (no client certificates), then
# SCRAM (users from the metadata log, added at format time) or PLAIN (users listed in the JAAS).
# Everything is scoped to this listener so PLAINTEXT and CONTROLLER stay unauthenticated.
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$KEYSTORE_FILE
listener.name.sasl_ssl.ssl.keystore.password=$STORE_PASS
listener.name.sasl_ssl.ssl.key.password=$STORE_PASS
listener.name.sasl_ssl.ssl.client.auth=none
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$SASL_PASSWORD";

# Services create their own topics; a typo must fail instead of creating a stray topic.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
# Tests join many short-lived groups; the default 3 s delay would be paid on every join.
group.initial.rebalance.delay.ms=0
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Fewer internal partitions than the default 50: creating them is the slowest part of the
# first consumer-group join on a two-core machine.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10

# Test-sized storage: small segments so retention and compaction act within a test run.
log.segment.bytes=8388608
log.retention.hours=24
log.retention.bytes=268435456
log.retention.check.interval.ms=30000
log.cleaner.dedupe.buffer.size=16777216
num.network.threads=2
num.io.threads=4
EOF

  cat >"$STATE_DIR/log4j.properties" <<EOF
# INFO for the broker so the log shows topic and partition creation ("Created log for
# partition ..."), group joins and controller changes, which is what one greps for after a
# failed integration test. Request logging stays off: it drowns everything else.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$LOG_FILE
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel\$=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
}

format_storage() {
  if [[ -f $DATA_DIR/meta.properties ]]; then
    scram_current && return 0
    # Only this script's own data dir, and only while no broker runs on it (callers stop it).
    log "re-formatting $DATA_DIR: it lacks the current SCRAM credentials, which KRaft only takes at format time; its topics and groups are dropped"
    rm -rf "$DATA_DIR"
    mkdir -p "$DATA_DIR"
  fi
  local cluster_id mechanism scram_args=()
  for mechanism in "${SCRAM_MECHANISMS[@]}"; do
    scram_args+=(--add-scram "$mechanism=[name=$SASL_USER,password=$SASL_PASSWORD]")
  done
  cluster_id=$(java -cp "$LIBS_DIR/*" -Dlog4j.configuration="file:$STATE_DIR/log4j.properties" \
    kafka.tools.StorageTool random-uuid)
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  java -cp "$LIBS_DIR/*" -Dlog4j.configuration="file:$STATE_DIR/log4j.properties" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$STATE_DIR/server.properties" "${scram_args[@]}" \
    >>"$OUT_FILE" 2>&1 ||
    {
      print_log_tail
      die "formatting the log dir failed"
    }
  scram_fingerprint >"$SCRAM_MARKER"
}

start_broker() {
  : >"$OUT_FILE"
  # setsid puts the broker in its own session: it outlives this script, and a Ctrl-C in the
  # terminal (or npm's process group being killed) does not reach it; `down` stops it by pid.
  # fd 9 holds the state-dir lock and must not leak into the long-lived broker.
  setsid nohup java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$STATE_DIR/log4j.properties" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$STATE_DIR/server.properties" \
    </dev/null >>"$OUT_FILE" 2>&1 9>&- &
  printf '%s\n' "$!" >"$PID_FILE"
}

wait_until_ready() {
  local deadline=$((SECONDS + START_TIMEOUT_S)) pid
  pid=$(<"$PID_FILE")
  while ((SECONDS < deadline)); do
    # pid_alive, not broker_pid: right after the fork the child has not exec'd java yet.
    if ! pid_alive "$pid"; then
      print_log_tail
      rm -f "$PID_FILE"
      die "the broker exited during start-up (log above)"
    fi
    # The broker opens its listeners together once it has caught up with the metadata log, so
    # an open secure port here means the SCRAM users are loaded as well.
    if answers && port_in_use "$SECURE_PORT"; then
      log "up on $BOOTSTRAP (pid $(<"$PID_FILE"), cluster id $(formatted_cluster_id))"
      log "$(secure_summary)"
      return 0
    fi
    sleep 1
  done
  print_log_tail
  die "the broker did not answer on $BOOTSTRAP within ${START_TIMEOUT_S}s (log above); stop it with: $0 down"
}

stop_broker() {
  local pid
  if ! pid=$(broker_pid); then
    [[ -f $PID_FILE ]] && log "removing stale pid file"
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT_S))
  while ((SECONDS < deadline)) && broker_pid >/dev/null; do
    sleep 0.5
  done
  if broker_pid >/dev/null; then
    log "still running after ${STOP_TIMEOUT_S}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while ((SECONDS < deadline)) && broker_pid >/dev/null; do sleep 0.2; done
    broker_pid >/dev/null && die "pid $pid survived SIGKILL"
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_up() {
  require_tools
  if [[ ${KAFKA_LOCAL_RESET:-0} == 1 ]]; then
    stop_broker
    log "KAFKA_LOCAL_RESET=1: wiping $DATA_DIR"
    rm -rf "$DATA_DIR"
  elif broker_pid >/dev/null; then
    if answers; then
      log "already up on $BOOTSTRAP (pid $(<"$PID_FILE"))"
      # `up` never restarts a running broker: other test runs may be using it.
      if port_in_use "$SECURE_PORT" && scram_current; then
        log "$(secure_summary)"
      else
        log "warning: this broker runs without the current SASL_SSL listener or credentials (started by an older kafka.sh, or KAFKA_LOCAL_SASL_PASSWORD changed); apply with: $0 down && $0 up"
      fi
      return 0
    fi
    # Alive but not answering: an earlier `up` gave up before it was ready (slow log recovery,
    # an overloaded machine). Give it the same deadline rather than starting a second one.
    wait_until_ready
    return 0
  elif [[ -f $PID_FILE ]]; then
    log "removing stale pid file"
    rm -f "$PID_FILE"
  fi

  local port
  for port in "$KAFKA_PORT" "$CONTROLLER_PORT" "$SECURE_PORT"; do
    port_in_use "$port" && die "port $port on 127.0.0.1 is taken by another process; stop it or set KAFKA_PORT / KAFKA_CONTROLLER_PORT / KAFKA_SECURE_PORT"
  done

  ensure_libs
  ensure_tls
  write_config
  format_storage
  start_broker
  wait_until_ready
}

cmd_status() {
  local pid
  if pid=$(broker_pid) && answers; then
    log "running on $BOOTSTRAP (pid $pid, state $STATE_DIR)"
    if port_in_use "$SECURE_PORT"; then
      log "$(secure_summary)"
    else
      log "no SASL_SSL listener on $SECURE_BOOTSTRAP (started by an older kafka.sh); restart: $0 down && $0 up"
    fi
    return 0
  fi
  if [[ -n ${pid:-} ]]; then
    log "pid $pid is alive but does not answer on $BOOTSTRAP"
  else
    log "not running"
  fi
  return 3
}

# One NAME=value line per variable, shell-quoted only where needed, so both
# `env $(kafka.sh env-secure) node ...` (for paths without spaces) and `source <(kafka.sh env-secure)` work.
cmd_env_secure() {
  [[ -f $CA_FILE ]] || die "no CA at $CA_FILE yet; start the broker first: $0 up"
  printf '%s=%q\n' \
    KAFKA_BROKERS "$SECURE_BOOTSTRAP" \
    KAFKA_SSL true \
    KAFKA_SSL_CA_FILE "$CA_FILE" \
    KAFKA_SASL_MECHANISM scram-sha-512 \
    KAFKA_SASL_USERNAME "$SASL_USER" \
    KAFKA_SASL_PASSWORD "$SASL_PASSWORD"
}

cmd_logs() {
  [[ -f $LOG_FILE ]] || die "no log yet at $LOG_FILE"
  if [[ ${1:-} == -f ]]; then
    exec tail -n 100 -F "$LOG_FILE"
  fi
  tail -n "${KAFKA_LOG_LINES:-200}" "$LOG_FILE"
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  mkdir -p "$STATE_DIR"
  case $cmd in
    up | down)
      # Serialises concurrent up/down calls (parallel test runs, a second terminal) on one state dir.
      exec 9>"$STATE_DIR/kafka.lock"
      flock 9
      ;;
  esac
  case $cmd in
    up) cmd_up ;;
    down) stop_broker ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    env-secure) cmd_env_secure ;;
    *)
      echo "usage: $0 up|down|status|logs [-f]|env-secure" >&2
      exit 2
      ;;
  esac
}

main "$@"
