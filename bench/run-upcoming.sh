#!/usr/bin/env bash
# "Upcoming conferences under load": GET /api/conferences/upcoming?limit=50 against the same
# question asked of OpenLDAP, in one run, on this machine only (127.0.0.1).
#
#   bench/run-upcoming.sh [--wait-quiet]
#
# In a temporary folder it starts a private PostgreSQL (fsync ON: the defaults, no --fast), the
# service, and two private slapd instances (the product's indexes, and the same plus
# "index startTime,stopTime eq"); seeds 100,000 conferences into PostgreSQL through the catalog
# and the same conferences into slapd with slapadd; runs 32 closed-loop clients against REST
# and then against each slapd; prints the table; and stops everything on exit (trap), leaving
# no server running.
#
# --wait-quiet: first wait (checking every 30 s, up to 20 minutes) until no test or benchmark
# process runs on the machine; whether it was quiet is recorded either way.
#
# Environment (optional): UPCOMING_COUNT (100000), UPCOMING_CLIENTS (32), UPCOMING_WARMUP (5),
# UPCOMING_DURATION (30) seconds, UPCOMING_WORKERS (4) seeding writers, UPCOMING_SERVICE_PG_OPTIONS
# (appended to the service's connection string, for experiments such as "Max Auto Prepare=20"),
# UPCOMING_BENCH_OUT (bench/results/upcoming-latest) for machine.txt, seed.json, results.json,
# table.md, explain.txt and the servers' logs.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

count=${UPCOMING_COUNT:-100000}
clients=${UPCOMING_CLIENTS:-32}
warmup=${UPCOMING_WARMUP:-5}
duration=${UPCOMING_DURATION:-30}
workers=${UPCOMING_WORKERS:-4}
out=${UPCOMING_BENCH_OUT:-bench/results/upcoming-latest}
source bench/common.sh
busy_pattern=$BENCH_BUSY_PATTERN
wait_quiet=0
[[ "${1:-}" == "--wait-quiet" ]] && wait_quiet=1

mkdir -p "$out"
out=$(cd "$out" && pwd)
# The default output folder is scratch: keep it out of git (recorded runs are copied to a dated folder).
[[ -z "${UPCOMING_BENCH_OUT:-}" ]] && printf '*\n' > "$out/.gitignore"

deploy/local/install-packages.sh
echo "building the service and the load driver (Release) ..." >&2
dotnet build Rendezvous.Api/Rendezvous.Api.csproj -c Release -v quiet -nologo >&2
dotnet build bench/Rendezvous.LoadDriver/Rendezvous.LoadDriver.csproj -c Release -v quiet -nologo >&2
driver=(dotnet "$repo/bench/Rendezvous.LoadDriver/bin/Release/net10.0/rendezvous-load.dll")

# ---- servers, all in one temporary folder; the trap stops them whatever happens ----
work=$(mktemp -d /tmp/rendezvous-bench-upcoming.XXXXXX)
chmod 755 "$work" # PostgreSQL runs as the postgres user, which must reach $work/pg
service_pid= monitor_pid= slapd_pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  bench_stop_pid "$monitor_pid"
  bench_stop_pid "$service_pid"
  for pid in "${slapd_pids[@]}"; do
    bench_stop_pid "$pid"
  done
  "$repo/deploy/local/postgres.sh" stop --data "$work/pg" >/dev/null 2>&1 || true
  mkdir -p "$out/logs"
  cp "$work"/*.log "$out/logs/" 2>/dev/null || true
  cp "$work/pg/postgresql.log" "$out/logs/postgresql.log" 2>/dev/null || true
  rm -rf "$work"
  echo "stopped: service, slapd and PostgreSQL; removed $work" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_until_quiet() { [[ $wait_quiet -eq 0 ]] || bench_wait_quiet "$busy_pattern"; }
busy() { bench_busy "$busy_pattern"; }
machine_state() { # label
  echo "$1: $(busy && echo "NOT quiet ($(pgrep -fc "$busy_pattern") test/benchmark processes)" || echo quiet), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

wait_until_quiet
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
{
  bench_machine
  echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "postgresql: $("$pg_bin/postgres" --version) (fsync on: the defaults, no --fast)"
  echo "slapd: $(/usr/sbin/slapd -VV 2>&1 | head -n1 | sed 's/.*slapd /slapd /; s/ (.*//')"
  echo "conferences: $count; clients: $clients; warm-up: ${warmup} s; measured: ${duration} s per phase"
  echo "service connection string options: ${UPCOMING_SERVICE_PG_OPTIONS:-(none: Npgsql defaults)}"
  machine_state "at start"
} | tee "$out/machine.txt"

# ---- PostgreSQL (fsync on) and the service, which migrates the schema at start-up ----
pg_port=$(bench_free_port)
(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/pg.password")
echo "starting PostgreSQL on 127.0.0.1:$pg_port (fsync on) ..." >&2
"$repo/deploy/local/postgres.sh" start --data "$work/pg" --port "$pg_port" --password-file "$work/pg.password" --database rendezvous
pg_setting() { PGPASSWORD=$(cat "$work/pg.password") "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d rendezvous -tAc "SHOW $1"; }
echo "postgresql settings: fsync=$(pg_setting fsync) synchronous_commit=$(pg_setting synchronous_commit) full_page_writes=$(pg_setting full_page_writes) shared_buffers=$(pg_setting shared_buffers)" | tee -a "$out/machine.txt"

http_port=$(bench_free_port)
http_url="http://127.0.0.1:$http_port"
echo "starting the service at $http_url ..." >&2
(
  cd "$repo/Rendezvous.Api/bin/Release/net10.0"
  export ASPNETCORE_URLS=$http_url
  export Rendezvous__PostgreSql__ConnectionString="Host=127.0.0.1;Port=$pg_port;Database=rendezvous;Username=postgres${UPCOMING_SERVICE_PG_OPTIONS:+;$UPCOMING_SERVICE_PG_OPTIONS}"
  export Rendezvous__PostgreSql__PasswordFile="$work/pg.password"
  exec dotnet rendezvous.dll
) >"$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 120); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "$http_url/readyz" || true)" == 200 ]] && break
  kill -0 "$service_pid" 2>/dev/null || { echo "the service stopped:" >&2; tail -n 20 "$work/service.log" >&2; exit 1; }
  sleep 0.5
done
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$http_url/readyz")" == 200 ]] || { echo "the service is not ready:" >&2; tail -n 20 "$work/service.log" >&2; exit 1; }

# ---- seed: PostgreSQL through the catalog, and the LDIF for slapadd ----
export RENDEZVOUS_LOAD_PG="Host=127.0.0.1;Port=$pg_port;Database=rendezvous;Username=postgres;Password=$(cat "$work/pg.password")"
echo "seeding $count conferences ..." >&2
"${driver[@]}" seed --count "$count" --workers "$workers" --ldif "$work/conferences.ldif" --out "$out/seed.json" >&2

# ---- slapd: the product's config, and the same with a startTime/stopTime index ----
render_slapd() { # dir extra-index-line
  local dir=$1 extra=$2 hash
  mkdir -p "$dir/db"
  (umask 077; head -c 18 /dev/urandom | base64 > "$dir/rootpw")
  hash=$(/usr/sbin/slappasswd -h '{SSHA}' -T "$dir/rootpw")
  # The same substitutions as deploy/ldap/slapd-run.sh, plus @EXTRA_INDEX@.
  sed -e "s|@SYSTEM_SCHEMA@|/etc/ldap/schema|g" \
      -e "s|@SCHEMA_DIR@|$repo/deploy/ldap/schema|g" \
      -e "s|@MODULE_DIR@|/usr/lib/ldap|g" \
      -e "s|@DATA_DIR@|$dir|g" \
      -e "s|@ROOT_PW_HASH@|$hash|g" \
      -e "s|@LOG_LEVEL@|none|g" \
      -e "s|@DDS_INTERVAL@|60|g" \
      -e "s|@DDS_MAX_TTL@|86400|g" \
      -e "s|@EXTRA_INDEX@|$extra|g" \
      "$repo/bench/ldap/slapd-upcoming.conf.in" > "$dir/slapd.conf"
  /usr/sbin/slaptest -Q -u -f "$dir/slapd.conf"
}
render_slapd "$work/ldap-product" ""
render_slapd "$work/ldap-indexed" "index   startTime,stopTime      eq"
echo "slapadd: $count entries ..." >&2
started=$(date +%s.%N)
/usr/sbin/slapadd -q -f "$work/ldap-product/slapd.conf" -l "$repo/deploy/ldap/base.ldif"
/usr/sbin/slapadd -q -f "$work/ldap-product/slapd.conf" -l "$work/conferences.ldif"
slapadd_s=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
# The indexed copy: the same database file, then slapindex builds the two extra indexes.
cp "$work/ldap-product/db/data.mdb" "$work/ldap-indexed/db/data.mdb"
started=$(date +%s.%N)
/usr/sbin/slapindex -q -f "$work/ldap-indexed/slapd.conf" startTime stopTime
slapindex_s=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
printf 'slapadd of %s entries: %.1f s; slapindex startTime,stopTime: %.1f s\n' "$count" "$slapadd_s" "$slapindex_s" | tee -a "$out/machine.txt"

ldap_args=() pid_args=(--pid "service=$service_pid" --pid "postgresql=$(head -n1 "$work/pg/pgdata/postmaster.pid")")
for variant in product indexed; do
  port=$(bench_free_port)
  /usr/sbin/slapd -f "$work/ldap-$variant/slapd.conf" -h "ldap://127.0.0.1:$port/" -d 0 >"$work/slapd-$variant.log" 2>&1 &
  slapd_pids+=($!)
  for _ in $(seq 50); do
    ldapsearch -x -H "ldap://127.0.0.1:$port" -b "" -s base >/dev/null 2>&1 && break
    kill -0 "${slapd_pids[-1]}" 2>/dev/null || { echo "slapd ($variant) did not start:" >&2; cat "$work/slapd-$variant.log" >&2; exit 1; }
    sleep 0.2
  done
  ldapsearch -x -H "ldap://127.0.0.1:$port" -b "" -s base >/dev/null 2>&1 || { echo "slapd ($variant) does not answer" >&2; exit 1; }
  case $variant in
    product) ldap_args+=(--ldap "product indexes=127.0.0.1:$port"); pid_args+=(--pid "slapd (product indexes)=${slapd_pids[-1]}") ;;
    indexed) ldap_args+=(--ldap "+ startTime,stopTime eq index=127.0.0.1:$port"); pid_args+=(--pid "slapd (+ index)=${slapd_pids[-1]}") ;;
  esac
done

# ---- the load ----
wait_until_quiet
machine_state "before the load" | tee -a "$out/machine.txt"
# Every 5 s during the load (at most 10 minutes): did a test or benchmark process run, what was
# the load average, and how many build processes (not in the quiet rule, but they take CPU too) ran?
( for _ in $(seq 120); do
    echo "$(busy && echo busy || echo quiet) $(cut -d' ' -f1 /proc/loadavg) builds=$(pgrep -fc 'dotnet build|MSBuild.dll|csc.dll|VBCSCompiler' || true)"
    sleep 5
  done ) > "$work/busy.txt" &
monitor_pid=$!
"${driver[@]}" load --rest "$http_url" "${ldap_args[@]}" "${pid_args[@]}" --clients "$clients" --warmup "$warmup" \
  --duration "$duration" --deep --out "$out/results.json" | tee "$out/table.md"
bench_stop_pid "$monitor_pid"
{
  echo "during the load: test/benchmark processes seen at $(grep -c '^busy' "$work/busy.txt" || true) of $(wc -l < "$work/busy.txt") checks (every 5 s);" \
    "build processes at $(grep -vc 'builds=0$' "$work/busy.txt" || true);" \
    "1-minute load average min/median/max $(awk '{print $2}' "$work/busy.txt" | sort -g | awk '{a[NR]=$1} END {print a[1] "/" a[int((NR+1)/2)] "/" a[NR]}')"
} | tee -a "$out/machine.txt"
cp "$work/busy.txt" "$out/during-load.txt"
machine_state "after the load" | tee -a "$out/machine.txt"

"${driver[@]}" explain > "$out/explain.txt"
echo "EXPLAIN (ANALYZE, BUFFERS) of the upcoming query: $out/explain.txt" >&2
