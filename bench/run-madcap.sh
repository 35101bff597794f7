#!/usr/bin/env bash
# MADCAP load benchmark (issue 6): Rendezvous's MADCAP server against ISC Kea's DHCPv4 server,
# both keeping leases in the same private PostgreSQL with fsync on, driven over loopback inside a
# private network namespace (unshare -n; needs root), so nothing reaches a real network.
#
#   bench/run-madcap.sh [--wait-quiet]
#
# MADCAP_PG_STATEMENTS=1 also records pg_stat_statements (pg-statements.txt).
# MADCAP_PIN=1 pins each server and PostgreSQL to core 1 and each load generator to core 0 (taskset),
# so that the generator never competes with what it measures.
# MADCAP_WARMUP (seconds, default 5) of each of our modes runs first, unrecorded.
# MADCAP_WAL_WARMUP_MB (default 1024; 0 to skip) of WAL is written and checkpointed before anything runs,
# so that WAL segments are recycled as on a running server (see below); walBytes per phase are recorded.
# MADCAP_KEA=0 runs our phases only (for quick experiments; no ratio is written). The environment
# is passed on to the service, so runtime settings (DOTNET_*) can be tried without a rebuild.
# Phases (MADCAP_DURATION seconds each, default 20):
#   1. the most each server completes: our driver, 32 clients in a closed loop, REQUEST->ACK and
#      DISCOVER->OFFER->REQUEST->ACK; Kea's perfdhcp at a rate it cannot reach (DORA, 4-way);
#   2. latency at half of each maximum (open loop, fixed rate).
# Output: MADCAP_BENCH_OUT (bench/results/madcap-latest): machine.txt, *.json, perfdhcp-*.txt,
# table.md and the servers' logs.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source bench/common.sh
duration=${MADCAP_DURATION:-20}
out=${MADCAP_BENCH_OUT:-bench/results/madcap-latest}

if [[ "${RENDEZVOUS_IN_NETNS:-}" != 1 ]]; then
  [[ $(id -u) -eq 0 ]] || { echo "run-madcap: needs root for unshare -n" >&2; exit 1; }
  deploy/local/install-packages.sh
  if ! command -v kea-dhcp4 >/dev/null || ! command -v perfdhcp >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kea-dhcp4-server kea-admin >&2
  fi
  [[ "${1:-}" != "--wait-quiet" ]] || bench_wait_quiet "$BENCH_BUSY_PATTERN|rendezvous-load"
  echo "building the service and the load driver (Release) ..." >&2
  dotnet build Rendezvous.Api/Rendezvous.Api.csproj -c Release -v quiet -nologo >&2
  dotnet build bench/Rendezvous.LoadDriver/Rendezvous.LoadDriver.csproj -c Release -v quiet -nologo >&2
  mkdir -p "$out"
  [[ -z "${MADCAP_BENCH_OUT:-}" ]] && printf '*\n' > "$out/.gitignore"
  exec env RENDEZVOUS_IN_NETNS=1 MADCAP_BENCH_OUT="$(cd "$out" && pwd)" unshare -n "$0" "$@"
fi

# ---- inside the private network namespace ----
out=$MADCAP_BENCH_OUT
ip link set lo up
ip addr add 127.0.0.2/8 dev lo   # perfdhcp acts as a relay from 127.0.0.2; Kea answers on 127.0.0.1
pin_server=() pin_load=()
[[ "${MADCAP_PIN:-}" == 1 ]] && pin_server=(taskset -c 1) pin_load=(taskset -c 0)
driver=("${pin_load[@]}" dotnet "$repo/bench/Rendezvous.LoadDriver/bin/Release/net10.0/rendezvous-load.dll")
work=$(mktemp -d /tmp/rendezvous-bench-madcap.XXXXXX)
chmod 755 "$work"
service_pid= kea_pid=
cleanup() {
  local status=$?
  trap - EXIT
  bench_finish "$work" "$out" "$service_pid" "$kea_pid"
  exit "$status"
}
trap cleanup EXIT

pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
{
  bench_machine
  echo "postgresql: $("$pg_bin/postgres" --version) (fsync on: the defaults)"
  echo "kea: $(kea-dhcp4 -v) (PostgreSQL lease backend); perfdhcp from kea-admin"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/pg.password")
"${pin_server[@]}" "$repo/deploy/local/postgres.sh" start --data "$work/pg" --port 5432 --password-file "$work/pg.password" --database rendezvous >&2
if [[ -n "${MADCAP_PG_STATEMENTS:-}" ]]; then
  # Where PostgreSQL's time goes, per statement (written to pg-statements.txt at the end).
  PGPASSWORD=$(cat "$work/pg.password") "$pg_bin/psql" -h 127.0.0.1 -p 5432 -U postgres -d rendezvous -qc "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >&2
  "$repo/deploy/local/postgres.sh" stop --data "$work/pg" >&2
  "${pin_server[@]}" "$repo/deploy/local/postgres.sh" start --data "$work/pg" --port 5432 --password-file "$work/pg.password" --database rendezvous >&2
  PGPASSWORD=$(cat "$work/pg.password") "$pg_bin/psql" -h 127.0.0.1 -p 5432 -U postgres -d rendezvous -qc "CREATE EXTENSION pg_stat_statements" >&2
fi
sql() { PGPASSWORD=$(cat "$work/pg.password") "$pg_bin/psql" -h 127.0.0.1 -p 5432 -U postgres -d rendezvous "$@"; }
# A steady state for the WAL, as on a server that has been running: segments recycled, not created.
# A fresh cluster creates each new 16 MB WAL segment and fills it with zeros (wal_init_zero) while
# commits wait; here that is about 20 ms (dd with fdatasync: 780-880 MB/s), once every 2 to 3 s at
# these rates, about 1 % of the exchanges. A running server renames old segments at each checkpoint
# instead, keeping at least min_wal_size of them. So: min_wal_size as large as the run's WAL, that
# much WAL written once, and a checkpoint. Both servers run on this PostgreSQL alike.
wal_mb=${MADCAP_WAL_WARMUP_MB:-1024}
if (( wal_mb > 0 )); then
  echo "steady-state WAL: $wal_mb MB written and checkpointed first ..." >&2
  sql -qc "ALTER SYSTEM SET min_wal_size = '${wal_mb}MB'" -c "ALTER SYSTEM SET max_wal_size = '$(( wal_mb * 2 ))MB'" -c "SELECT pg_reload_conf()" >/dev/null
  sql -qc "CREATE TABLE wal_warm_up AS SELECT g, repeat('x', 1000) AS filler FROM generate_series(1, $(( wal_mb * 900 ))) g" \
    -c "DROP TABLE wal_warm_up" -c "CHECKPOINT" >&2
  echo "postgresql: min_wal_size ${wal_mb}MB, max_wal_size $(( wal_mb * 2 ))MB; $(ls "$work/pg/pgdata/pg_wal" | grep -c '^[0-9A-F]\{24\}$') WAL segments ready after the warm-up" | tee -a "$out/machine.txt"
fi
if [[ -n "${MADCAP_PG_SET:-}" ]]; then
  # Diagnosis only (never for a recorded result): e.g. MADCAP_PG_SET="synchronous_commit = off".
  PGPASSWORD=$(cat "$work/pg.password") "$pg_bin/psql" -h 127.0.0.1 -p 5432 -U postgres -d rendezvous -qc "ALTER SYSTEM SET $MADCAP_PG_SET" -c "SELECT pg_reload_conf()" >&2
  echo "postgresql changed for diagnosis: $MADCAP_PG_SET" | tee -a "$out/machine.txt"
fi
PGPASSWORD=$(cat "$work/pg.password") "$pg_bin/psql" -h 127.0.0.1 -p 5432 -U postgres -d rendezvous -qc "CREATE DATABASE kea" >&2
kea-admin db-init pgsql -u postgres -p "$(cat "$work/pg.password")" -n kea -h 127.0.0.1 -P 5432 >"$work/kea-admin.log" 2>&1

# Our server: one big scope (8 million addresses, as Kea's pool is large), no per-client quota in the way.
(
  cd "$repo/Rendezvous.Api/bin/Release/net10.0"
  export ASPNETCORE_URLS=http://127.0.0.1:5080
  export Rendezvous__PostgreSql__ConnectionString="Host=127.0.0.1;Port=5432;Database=rendezvous;Username=postgres"
  export Rendezvous__PostgreSql__PasswordFile="$work/pg.password"
  export Rendezvous__Madcap__Scopes__0__First=239.0.0.0
  export Rendezvous__Madcap__Scopes__0__Last=239.127.255.255
  export Rendezvous__Madcap__Scopes__0__Ttl=16
  export Rendezvous__Madcap__Scopes__0__Names__0__Language=en
  export Rendezvous__Madcap__Scopes__0__Names__0__Name=Bench
  export Rendezvous__Madcap__MaxAddressesPerClient=100000
  exec "${pin_server[@]}" dotnet rendezvous.dll
) >"$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 120); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5080/readyz || true)" == 200 ]] && break
  sleep 0.5
done
for _ in $(seq 60); do grep -q "MADCAP server listening" "$work/service.log" && break; sleep 0.5; done
ss -ulpn >&2

cat > "$work/kea.json" <<JSON
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "lo/127.0.0.1" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "postgresql", "name": "kea", "host": "127.0.0.1", "port": 5432, "user": "postgres", "password": "$(cat "$work/pg.password")" },
    "valid-lifetime": 3600,
    "subnet4": [ { "id": 1, "subnet": "10.0.0.0/8", "pools": [ { "pool": "10.0.0.1 - 10.255.255.254" } ], "relay": { "ip-addresses": [ "127.0.0.2" ] } } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "$work/kea.log" } ], "severity": "WARN" } ]
} }
JSON
if [[ "${MADCAP_KEA:-1}" != 0 ]]; then
  KEA_PIDFILE_DIR=$work KEA_LOCKFILE_DIR=$work "${pin_server[@]}" kea-dhcp4 -c "$work/kea.json" >"$work/kea-stdout.log" 2>&1 &
  kea_pid=$!
  sleep 3
fi

# CPU seconds (user + system) of a process tree: each live process once, and what the roots
# have reaped (their children's times), so short-lived PostgreSQL backends count too.
cpu_tree() { # root pid...
  python3 - "$@" <<'PY'
import os, sys
roots = {int(p) for p in sys.argv[1:] if p}
procs = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        procs[int(d)] = (int(f[1]), [int(x) for x in f[11:15]])
def in_tree(pid):
    while pid in procs:
        if pid in roots: return True
        pid = procs[pid][0]
    return False
total = sum((t[0] + t[1] + (t[2] + t[3] if pid in roots else 0)) for pid, (_, t) in procs.items() if in_tree(pid))
print(total / os.sysconf("SC_CLK_TCK"))
PY
}
pg_pid=$(head -n 1 "$work/pg/pgdata/postmaster.pid")
# Records, per phase, the CPU seconds the server under test, PostgreSQL and the load generator used.
measured() { # name server-pid command...
  local name=$1 server=$2; shift 2
  local s0 p0 s1 p1
  s0=$(cpu_tree "$server"); p0=$(cpu_tree "$pg_pid")
  /usr/bin/time -f "%U %S" -o "$work/time.$name" "$@"
  s1=$(cpu_tree "$server"); p1=$(cpu_tree "$pg_pid")
  read -r du ds < <(tail -n 1 "$work/time.$name")  # time prints a status line first when the command failed
  echo "{\"server\": $(python3 -c "print(round($s1 - $s0, 2))"), \"postgresql\": $(python3 -c "print(round($p1 - $p0, 2))"), \"load\": $(python3 -c "print(round($du + $ds, 2))")}" > "$out/cpu-$name.json"
}
# perfdhcp simulates a million distinct clients (-R), so each exchange allocates a new lease (an INSERT),
# as each of ours does; with its default of one client Kea would mostly renew the same few leases.
perf() { # rate file [seconds]
  measured "${2%.txt}" "$kea_pid" "${pin_load[@]}" perfdhcp -4 -R 1000000 -r "$1" -p "${3:-$duration}" -l 127.0.0.2 127.0.0.1 > "$out/$2" 2>&1 || true
  awk '/^Rate:/ {print $2}' "$out/$2"
}
# Kea's most: perfdhcp offered rising rates, the best completed rate kept. Offering far more than Kea
# completes (20,000/s) made perfdhcp itself burn a core, starving Kea on this two-core machine.
kea_max() {
  local best=0 rate got best_rate=500
  for rate in 500 1000 1500 2000 3000 4500; do
    got=$(perf "$rate" "perfdhcp-step-$rate.txt" "$(( (duration + 1) / 2 ))")
    echo "  perfdhcp offered $rate/s: Kea completed ${got:-0}/s" >&2
    # Stop once a higher offered rate no longer completes at least 5% more.
    python3 -c "import sys; sys.exit(0 if float('${got:-0}') > 1.05 * float('$best') else 1)" || break
    best=$got; best_rate=$rate
  done
  echo "$best_rate" > "$work/kea-rate"
  perf "$best_rate" perfdhcp-max.txt
}
# The server's own view of a phase: its exchange-duration buckets (from a request's arrival to its
# answer's send) before and after, subtracted, into server-<phase>.json (percentiles, milliseconds).
server_stats() { curl -s http://127.0.0.1:5080/api/madcap/stats; }
server_phase() { # before-file after-file out-file
  python3 - "$@" <<'PY'
import json, sys
first, last = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def buckets(histogram): return {b["upToMs"]: b["count"] for b in (histogram or {}).get("buckets", [])}
def delta(pick):
    before, after = buckets(pick(first)), buckets(pick(last))
    return sorted((k, after[k] - before.get(k, 0)) for k in after if after[k] > before.get(k, 0))
def q(d, p):
    total, seen = sum(c for _, c in d), 0
    for k, c in d:
        seen += c
        if seen >= p * total: return k
    return None
exchanges = delta(lambda s: s["exchangeDuration"])
total = sum(c for _, c in exchanges)
wal = int(sys.argv[4]) if len(sys.argv) > 4 else 0
result = {"exchanges": total, "p50Ms": q(exchanges, 0.5), "p90Ms": q(exchanges, 0.9), "p99Ms": q(exchanges, 0.99), "p999Ms": q(exchanges, 0.999),
          "maxBucketMs": exchanges[-1][0] if exchanges else None, "walBytes": wal, "walBytesPerExchange": round(wal / total) if total else None}
# The group commit: each lease's wait for a writer, each batch's time in PostgreSQL (round trip, statements, commit).
gc0, gc1 = first.get("groupCommit") or {}, last.get("groupCommit") or {}
if gc1:
    batches, leases = gc1["batches"] - gc0.get("batches", 0), gc1["leases"] - gc0.get("leases", 0)
    wait, write = delta(lambda s: (s.get("groupCommit") or {}).get("wait")), delta(lambda s: (s.get("groupCommit") or {}).get("write"))
    result["groupCommit"] = {"batches": batches, "leases": leases, "meanBatch": round(leases / batches, 2) if batches else None,
                             "waitP50Ms": q(wait, 0.5), "waitP99Ms": q(wait, 0.99), "writeP50Ms": q(write, 0.5), "writeP99Ms": q(write, 0.99)}
json.dump(result, open(sys.argv[3], "w"))
PY
}
wal_lsn() { sql -Atc "SELECT pg_current_wal_lsn()"; }
wal_since() { sql -Atc "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$1')::bigint"; }
ours() { # mode rate file
  server_stats > "$work/stats-before.json"
  local lsn; lsn=$(wal_lsn)
  measured "${3%.json}" "$service_pid" "${driver[@]}" madcap --server 127.0.0.1:2535 --scope 239.0.0.0 --mode "$1" --clients 32 --duration "$duration" --rate "$2" --out "$out/$3" >/dev/null
  server_stats > "$work/stats-after.json"
  server_phase "$work/stats-before.json" "$work/stats-after.json" "$out/server-$3" "$(wal_since "$lsn")"
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['exchangesPerSecond'])" "$out/$3"
}

# A freshly started .NET server compiles its hot paths again, optimised, in its first seconds (tiered
# compilation): measured, that was an eighth of the server's CPU during the first phase. Kea is native.
# So each of our modes runs unrecorded first (MADCAP_WARMUP seconds, default 5).
warmup=${MADCAP_WARMUP:-5}
if (( warmup > 0 )); then
  echo "warm-up: $warmup s of each mode, not recorded ..." >&2
  for mode in request dora; do
    "${driver[@]}" madcap --server 127.0.0.1:2535 --scope 239.0.0.0 --mode "$mode" --clients 32 --duration "$warmup" --rate 0 --out "$work/warmup-$mode.json" >/dev/null
  done
fi
echo "phase 1: the most each completes ($duration s each) ..." >&2
max_request=$(ours request 0 ours-request-max.json)
max_dora=$(ours dora 0 ours-dora-max.json)
echo "phase 2: latency at half of each maximum ..." >&2
ours request $(( ${max_request%.*} / 2 )) ours-request-half.json >/dev/null
ours dora $(( ${max_dora%.*} / 2 )) ours-dora-half.json >/dev/null
if [[ -n "${MADCAP_PG_STATEMENTS:-}" ]]; then
  PGPASSWORD=$(cat "$work/pg.password") "$pg_bin/psql" -h 127.0.0.1 -p 5432 -U postgres -d rendezvous -c \
    "SELECT calls, round(total_exec_time::numeric, 0) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms, round(stddev_exec_time::numeric, 3) AS sd_ms, round(max_exec_time::numeric, 1) AS max_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15" > "$out/pg-statements.txt"
fi
if [[ "${MADCAP_KEA:-1}" == 0 ]]; then
  for f in ours-request-max ours-dora-max ours-request-half ours-dora-half; do
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); s=json.load(open(sys.argv[3])); print(sys.argv[2], r['exchangesPerSecond'], r['latencyMs'], 'server:', s)" "$out/$f.json" "$f" "$out/server-$f.json"
  done | tee "$out/table.txt"
  exit 0
fi
echo "phase 3: Kea ..." >&2
max_kea=$(kea_max)
best_rate=$(cat "$work/kea-rate")
half_kea=$(python3 -c "print(max(1, int(float('$max_kea') / 2)))")
perf "$half_kea" perfdhcp-half.txt >/dev/null
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"

KEA_RATE=${best_rate:-?} DURATION=$duration python3 - "$out" <<'PY'
import json, re, sys, os
out = sys.argv[1]
def ours(f): return json.load(open(os.path.join(out, f)))
def cpu(name, rate):
    c = json.load(open(os.path.join(out, f"cpu-{name}.json")))
    n = rate * float(os.environ.get("DURATION", "20"))
    return " / ".join(f"{c[k] * 1000 / n:.2f}" for k in ("server", "postgresql", "load"))
def kea(f):
    t = open(os.path.join(out, f)).read()
    rate = float(re.search(r"^Rate: ([\d.]+)", t, re.M).group(1))
    sections = re.split(r"\*\*\*Statistics for: ", t)
    def stat(name, key):
        for s in sections:
            if s.startswith(name):
                m = re.search(rf"^{key}: ([\d.]+)", s, re.M)
                return float(m.group(1)) if m else float("nan")
        return float("nan")
    return rate, stat("REQUEST-ACK", "avg delay"), stat("REQUEST-ACK", "max delay"), stat("DISCOVER-OFFER", "drops ratio"), stat("REQUEST-ACK", "drops ratio")
rows = []
r = ours("ours-request-max.json"); rows.append(("Rendezvous REQUEST->ACK, 32 clients closed loop", r["exchangesPerSecond"], r["latencyMs"]["p50"], r["latencyMs"]["p99"], r["retries"]))
d = ours("ours-dora-max.json"); rows.append(("Rendezvous DISCOVER->OFFER->REQUEST->ACK, 32 clients closed loop", d["exchangesPerSecond"], d["latencyMs"]["p50"], d["latencyMs"]["p99"], d["retries"]))
k = kea("perfdhcp-max.txt")
# Kea's rate varies from run to run: the ratios use the best it completed in any step or in the full run.
import glob
kea_best = max([k[0]] + [kea(os.path.basename(f))[0] for f in glob.glob(os.path.join(out, "perfdhcp-step-*.txt"))])
rh = ours("ours-request-half.json"); dh = ours("ours-dora-half.json"); kh = kea("perfdhcp-half.txt")
with open(os.path.join(out, "table.md"), "w") as f:
    f.write("| phase | exchanges/s | p50 ms | p99 ms | retries or drops | CPU ms per exchange: server / PostgreSQL / load generator |\n|---|---:|---:|---:|---:|---:|\n")
    for (name, rate, p50, p99, retries), file in zip(rows, ("ours-request-max", "ours-dora-max")):
        f.write(f"| {name} | {rate:.0f} | {p50} | {p99} | {retries} | {cpu(file, rate)} |\n")
    f.write(f"| Kea DORA (perfdhcp at the best offered rate, {os.environ.get('KEA_RATE', '?')}/s) | {k[0]:.0f} | avg REQUEST-ACK {k[1]} | max {k[2]} | drops {k[3]:.1f}% / {k[4]:.1f}% | {cpu('perfdhcp-max', k[0])} |\n")
    f.write(f"| Rendezvous REQUEST->ACK at {rh['targetRate']}/s | {rh['exchangesPerSecond']:.0f} | {rh['latencyMs']['p50']} | {rh['latencyMs']['p99']} | {rh['retries']} | {cpu('ours-request-half', rh['exchangesPerSecond'])} |\n")
    f.write(f"| Rendezvous DORA at {dh['targetRate']}/s | {dh['exchangesPerSecond']:.0f} | {dh['latencyMs']['p50']} | {dh['latencyMs']['p99']} | {dh['retries']} | {cpu('ours-dora-half', dh['exchangesPerSecond'])} |\n")
    f.write(f"| Kea DORA at half its maximum | {kh[0]:.0f} | avg REQUEST-ACK {kh[1]} | max {kh[2]} | drops {kh[3]:.1f}% / {kh[4]:.1f}% | {cpu('perfdhcp-half', kh[0])} |\n")
    f.write("\nThe server's own exchange durations (arrival to answer sent; bucket bounds, 12.5 % wide), ms:\n\n| phase | p50 | p90 | p99 | p99.9 |\n|---|---:|---:|---:|---:|\n")
    for file in ("ours-request-max", "ours-dora-max", "ours-request-half", "ours-dora-half"):
        sv = ours(f"server-{file}.json")
        f.write(f"| {file} | {sv['p50Ms']} | {sv['p90Ms']} | {sv['p99Ms']} | {sv['p999Ms']} |\n")
    f.write(f"\nKea's best completed rate, in any step or the full run: {kea_best:.0f}/s\n")
    f.write(f"Ratio, 4-way exchanges per second, Rendezvous DORA / Kea's best DORA: {d['exchangesPerSecond'] / kea_best:.2f}\n")
    f.write(f"Ratio, Rendezvous REQUEST->ACK / Kea's best DORA: {r['exchangesPerSecond'] / kea_best:.2f}\n")
print(open(os.path.join(out, "table.md")).read())
PY
