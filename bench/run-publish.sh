#!/usr/bin/env bash
# Publication benchmark (issue 5): how fast the service's publisher drains the outbox into slapd,
# and what refreshing the TTL of every live dynamic object costs the service.
#
#   bench/run-publish.sh [--wait-quiet]
#
# In a temporary folder, on free loopback ports: a private PostgreSQL (fsync on), a private slapd
# from deploy/ldap (the product's configuration, dds overlay), and the service (Release)
# publishing to it with a 1-hour TTL. Then:
#   1. the service is stopped, PUBLISH_COUNT (100000) conferences are stored through the catalog
#      with their outbox marks (as POST would), and the service is started again;
#   2. drain: the time until the outbox is empty, and the CPU of the service, PostgreSQL and slapd;
#   3. refresh: every published entry is made due, and the same is measured until none is.
# Everything is stopped in an exit trap. Output: PUBLISH_BENCH_OUT (bench/results/publish-latest):
# machine.txt, seed.json, drain.json, refresh.json and the logs.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

count=${PUBLISH_COUNT:-100000}
ttl=${PUBLISH_TTL:-3600}
out=${PUBLISH_BENCH_OUT:-bench/results/publish-latest}
source bench/common.sh
busy_pattern="$BENCH_BUSY_PATTERN|rendezvous-load"
wait_quiet=0
[[ "${1:-}" == "--wait-quiet" ]] && wait_quiet=1
mkdir -p "$out"
out=$(cd "$out" && pwd)
[[ -z "${PUBLISH_BENCH_OUT:-}" ]] && printf '*\n' > "$out/.gitignore"

deploy/local/install-packages.sh
echo "building the service and the load driver (Release) ..." >&2
dotnet build Rendezvous.Api/Rendezvous.Api.csproj -c Release -v quiet -nologo >&2
dotnet build bench/Rendezvous.LoadDriver/Rendezvous.LoadDriver.csproj -c Release -v quiet -nologo >&2
driver=(dotnet "$repo/bench/Rendezvous.LoadDriver/bin/Release/net10.0/rendezvous-load.dll")

work=$(mktemp -d /tmp/rendezvous-bench-publish.XXXXXX)
chmod 755 "$work"
service_pid= slapd_pid=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  bench_finish "$work" "$out" "$service_pid" "$slapd_pid"
  echo "stopped: service, slapd and PostgreSQL; removed $work" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $wait_quiet -eq 0 ]] || bench_wait_quiet "$busy_pattern"

pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
{
  bench_machine
  echo "postgresql: $("$pg_bin/postgres" --version) (fsync on)"
  echo "slapd: $(/usr/sbin/slapd -VV 2>&1 | head -n1 | sed 's/.*slapd /slapd /; s/ (.*//') (deploy/ldap configuration)"
  echo "conferences: $count; TTL: $ttl s"
  echo "at start: $(bench_busy "$busy_pattern" && echo 'NOT quiet' || echo quiet), load average $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

pg_port=$(bench_free_port)
(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/pg.password")
"$repo/deploy/local/postgres.sh" start --data "$work/pg" --port "$pg_port" --password-file "$work/pg.password" --database rendezvous

ldap_port=$(bench_free_port)
(umask 077; head -c 18 /dev/urandom | od -An -tx1 | tr -d " \n" > "$work/ldap.password")
"$repo/deploy/ldap/slapd-run.sh" --data "$work/ldap" --url "ldap://127.0.0.1:$ldap_port/" --rootpw-file "$work/ldap.password" --dds-interval 60 >"$work/slapd.log" 2>&1 &
slapd_pid=$!
for _ in $(seq 100); do
  ldapsearch -x -H "ldap://127.0.0.1:$ldap_port" -b o=Intranet -s base >/dev/null 2>&1 && break
  sleep 0.1
done

http_port=$(bench_free_port)
http_url="http://127.0.0.1:$http_port"
start_service() {
  (
    cd "$repo/Rendezvous.Api/bin/Release/net10.0"
    export ASPNETCORE_URLS=$http_url
    export Rendezvous__PostgreSql__ConnectionString="Host=127.0.0.1;Port=$pg_port;Database=rendezvous;Username=postgres"
    export Rendezvous__PostgreSql__PasswordFile="$work/pg.password"
    export Rendezvous__Directories__0__Name=local
    export Rendezvous__Directories__0__Url="ldap://127.0.0.1:$ldap_port"
    export Rendezvous__Directories__0__BaseDn=o=Intranet
    export Rendezvous__Directories__0__Bind__Mode=Simple
    export Rendezvous__Directories__0__Bind__Dn=cn=admin,o=Intranet
    export Rendezvous__Directories__0__Bind__PasswordFile="$work/ldap.password"
    export Rendezvous__Directories__0__DefaultTtlSeconds=$ttl
    exec dotnet rendezvous.dll
  ) >>"$work/service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 120); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$http_url/readyz" || true)" == 200 ]] && return 0
    kill -0 "$service_pid" 2>/dev/null || { echo "the service stopped:" >&2; tail -n 20 "$work/service.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "the service is not ready" >&2
  exit 1
}

echo "starting the service once, to migrate ..." >&2
start_service
bench_stop_pid "$service_pid"

export RENDEZVOUS_LOAD_PG="Host=127.0.0.1;Port=$pg_port;Database=rendezvous;Username=postgres;Password=$(cat "$work/pg.password")"
echo "seeding $count conferences with their outbox marks ..." >&2
"${driver[@]}" seed --count "$count" --workers 4 --ldif /dev/null --outbox local --out "$out/seed.json" >&2

start_service
pids=(--pid "service=$service_pid" --pid "postgresql=$(head -n1 "$work/pg/pgdata/postmaster.pid")" --pid "slapd=$slapd_pid")
echo "drain: publishing the outbox ..." >&2
"${driver[@]}" publish --phase drain "${pids[@]}" --out "$out/drain.json"
echo "refresh: every published entry made due ..." >&2
"${driver[@]}" publish --phase refresh "${pids[@]}" --out "$out/refresh.json"
echo "entries in slapd: $(ldapsearch -x -LLL -H "ldap://127.0.0.1:$ldap_port" -b ou=Dynamic,o=Intranet -E pr=1000/noprompt '(objectClass=rtConference)' 1.1 | grep -c '^dn:')" | tee -a "$out/machine.txt"
echo "at end: load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
