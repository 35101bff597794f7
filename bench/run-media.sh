#!/usr/bin/env bash
# Media mixer benchmark (issue 7): Rendezvous's N-1 mixer against Janus's AudioBridge (Debian
# package janus), both driven over loopback with real UDP inside a private network namespace
# (unshare -n; needs root), so nothing reaches a real network.
#
#   bench/run-media.sh [--wait-quiet]
#
# Each server runs pinned to core 1 (taskset -c 1), the load driver to core 0. For each server the
# driver steps the number of legs up (hubs of 5, 2 talkers, 50 packets/s per leg each way) until
# the server's output is late by 5 ms or more at the 99th percentile, or packets go missing; then
# one run at half the most sustained legs (at least 50; MEDIA_LATENCY_LEGS to choose) measures
# the latency the mixer adds (marker frames).
# Settings: MEDIA_WARMUP and MEDIA_DURATION (seconds per step, default 3 and 10),
# MEDIA_STEPS_RENDEZVOUS and MEDIA_STEPS_JANUS (legs per step, multiples of 5), MEDIA_TARGETS
# ("rendezvous janus"), MEDIA_KEEP_GOING=1 (run every step even after one failed; the most
# sustained is still the last step before the first failure).
# Output: MEDIA_BENCH_OUT (default bench/results/media-latest, git-ignored): machine.txt, one JSON
# per step, table.md and the servers' logs.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source bench/common.sh
out=${MEDIA_BENCH_OUT:-bench/results/media-latest}
warmup=${MEDIA_WARMUP:-3}
duration=${MEDIA_DURATION:-10}
steps_rendezvous=${MEDIA_STEPS_RENDEZVOUS:-250 500 1000 1500 2000 2500 3000 3500 4000 5000 6000 7000}
steps_janus=${MEDIA_STEPS_JANUS:-100 200 300 400 500 600 700 800 1000 1200}
targets=${MEDIA_TARGETS:-rendezvous janus}

if [[ "${RENDEZVOUS_IN_NETNS:-}" != 1 ]]; then
  [[ $(id -u) -eq 0 ]] || { echo "run-media: needs root for unshare -n" >&2; exit 1; }
  deploy/local/install-packages.sh
  if ! command -v janus >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends janus >&2
  fi
  echo "building the service and the load driver (Release) ..." >&2
  dotnet build Rendezvous.Api/Rendezvous.Api.csproj -c Release -v quiet -nologo >&2
  dotnet build bench/Rendezvous.LoadDriver/Rendezvous.LoadDriver.csproj -c Release -v quiet -nologo >&2
  [[ "${1:-}" != "--wait-quiet" ]] || bench_wait_quiet "$BENCH_BUSY_PATTERN|rendezvous-load"
  mkdir -p "$out"
  [[ -z "${MEDIA_BENCH_OUT:-}" ]] && printf '*\n' > "$out/.gitignore"
  exec env RENDEZVOUS_IN_NETNS=1 MEDIA_BENCH_OUT="$(cd "$out" && pwd)" unshare -n "$0" "$@"
fi

# ---- inside the private network namespace ----
out=$MEDIA_BENCH_OUT
ip link set lo up
# The driver binds 10000-29999 (two ports a leg), our RTP range is 30000-49999 and Janus's
# 50000-59999: keep the kernel's own (ephemeral) ports out of all three.
sysctl -qw net.ipv4.ip_local_port_range="60000 65000"
driver=(taskset -c 0 dotnet "$repo/bench/Rendezvous.LoadDriver/bin/Release/net10.0/rendezvous-load.dll")
work=$(mktemp -d /tmp/rendezvous-bench-media.XXXXXX)
chmod 755 "$work"
service_pid= janus_pid=
cleanup() {
  local status=$?
  trap - EXIT
  bench_finish "$work" "$out" "$service_pid" "$janus_pid"
  exit "$status"
}
trap cleanup EXIT

{
  bench_machine
  echo "janus: $(dpkg-query -W -f '${Version}' janus) (Debian package), AudioBridge plugin and HTTP transport only"
  echo "pinning: servers on core 1 (taskset -c 1), load driver on core 0"
  echo "steps: ${warmup} s warm-up + ${duration} s measured per step"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

# Polls URL every 0.5 s until it answers 200, TRIES times at most; then shows the end of LOG.
wait_http() { # url tries log
  for _ in $(seq "$2"); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" == 200 ]] && return 0
    sleep 0.5
  done
  echo "run-media: no answer from $1" >&2
  tail -n 30 "$3" >&2
  return 1
}

start_rendezvous() {
  (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/pg.password"; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/token")
  "$repo/deploy/local/postgres.sh" start --data "$work/pg" --port 5432 --password-file "$work/pg.password" --database rendezvous >&2
  (
    cd "$repo/Rendezvous.Api/bin/Release/net10.0"
    export ASPNETCORE_URLS=http://127.0.0.1:5080
    export Rendezvous__PostgreSql__ConnectionString="Host=127.0.0.1;Port=5432;Database=rendezvous;Username=postgres"
    export Rendezvous__PostgreSql__PasswordFile="$work/pg.password"
    export Rendezvous__Auth__BootstrapAdminTokenFile="$work/token"
    export Rendezvous__Media__RtpPortMin=30000
    export Rendezvous__Media__RtpPortMax=49999
    # Setting up thousands of legs takes longer than the 30 s after which a silent leg is dropped.
    export Rendezvous__Media__SilenceTimeoutSeconds=3600
    export Logging__LogLevel__Default=Warning
    exec taskset -c 1 dotnet rendezvous.dll
  ) >"$work/service.log" 2>&1 &
  service_pid=$!
  wait_http http://127.0.0.1:5080/readyz 120 "$work/service.log"
}

start_janus() {
  local conf=$work/janus lib=/usr/lib/x86_64-linux-gnu/janus
  mkdir -p "$conf/plugins" "$conf/transports" "$conf/events" "$conf/loggers"
  ln -s "$lib/plugins/libjanus_audiobridge.so" "$conf/plugins/"
  ln -s "$lib/transports/libjanus_http.so" "$conf/transports/"
  cat > "$conf/janus.jcfg" <<CFG
general: {
  configs_folder = "$conf"
  plugins_folder = "$conf/plugins"
  transports_folder = "$conf/transports"
  events_folder = "$conf/events"
  loggers_folder = "$conf/loggers"
  debug_level = 3
  session_timeout = 0
}
certificates: {
}
media: {
}
nat: {
  nice_debug = false
}
plugins: {
}
transports: {
}
loggers: {
}
events: {
  broadcast = false
}
CFG
  cat > "$conf/janus.transport.http.jcfg" <<CFG
general: {
  json = "compact"
  base_path = "/janus"
  http = true
  port = 8088
  https = false
}
admin: {
  admin_http = false
}
cors: {
}
CFG
  cat > "$conf/janus.plugin.audiobridge.jcfg" <<CFG
general: {
  rtp_port_range = "50000-59999"
  local_ip = "127.0.0.1"
  events = false
}
CFG
  taskset -c 1 janus -C "$conf/janus.jcfg" -F "$conf" -o >"$work/janus.log" 2>&1 &
  janus_pid=$!
  wait_http http://127.0.0.1:8088/janus/info 60 "$work/janus.log"
}

# One run of the driver: target, legs, file name, extra driver arguments.
step() {
  local target=$1 legs=$2 name=$3; shift 3
  local args=(media --target "$target" --hubs $((legs / 5)) --warmup "$warmup" --duration "$duration" --out "$out/$name.json")
  if [[ $target == rendezvous ]]; then
    args+=(--api http://127.0.0.1:5080 --token-file "$work/token" --pid "server=$service_pid")
  else
    args+=(--api http://127.0.0.1:8088/janus --pid "server=$janus_pid")
  fi
  echo "load average before $name: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
  "${driver[@]}" "${args[@]}" "$@" >/dev/null 2>>"$work/driver.log"
}

# Sustained: output late by under 5 ms at p99, no sequence gap, at least 99.5 % of the packets
# due (50/s per leg) delivered, and every leg heard: the listeners' view, the same for both servers.
# Where the server reports its mixer's ticks (Rendezvous: GET /api/media/stats, read by the driver at
# the window's start and end), the p99s of the ticks' durations and of how late they started are
# printed and tabled too, each with the most legs whose p99 is at most 5 ms (a bucket bound). Neither
# is part of "sustained": Janus reports no tick timing, and our one tick sends every leg's packet, so
# its duration grows with the legs (about 10 us a leg) while its start stays on time; what a listener
# notices, how late each packet arrives, is what the output lateness measures.
sustained() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r.get("mixerTicks")
ok = r["latenessMs"]["p99"] is not None and r["latenessMs"]["p99"] < 5 and r["sequenceLost"] == 0 and r["deliveredRatio"] >= 0.995 and r["legsSilent"] == 0
late = r.get("mixerTickLateness")
tick_text = (f', tick p99 <= {t["p99UpToMs"]} ms ({t["over5Ms"]} of {t["count"]} over 5 ms)' if t else '') + (f', tick start late p99 <= {late["p99UpToMs"]} ms' if late else '')
print(f'  {r["target"]} {r["legs"]} legs: p99 late {r["latenessMs"]["p99"]} ms, delivered {r["deliveredRatio"]}, lost {r["sequenceLost"]}{tick_text}, server {r["cores"].get("server")} cores, driver {r["cores"].get("driver")} cores -> {"ok" if ok else "NOT sustained"}', file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

measure() { # target steps...
  local target=$1; shift
  local best=0 failed=0 legs
  # Unrecorded: 50 legs for 5 s first, so that a freshly started server has jitted its paths.
  step "$target" 50 "$target-prime" || true

  for legs in "$@"; do
    if ! step "$target" "$legs" "$target-$legs"; then
      echo "  $target $legs legs: the driver failed (see logs/driver.log)" >&2
      break
    fi
    if sustained "$out/$target-$legs.json"; then
      [[ $failed == 1 ]] || best=$legs
    else
      failed=1
      [[ ${MEDIA_KEEP_GOING:-0} == 1 ]] || break
    fi
  done
  echo "$best" > "$out/$target-sustained.txt"
  local half=${MEDIA_LATENCY_LEGS:-$(( (best / 2) / 5 * 5 ))}
  [[ $half -ge 50 ]] || half=50
  echo "  $target: latency at $half legs (10 hubs with markers) ..." >&2
  step "$target" "$half" "$target-latency" --latency-hubs 10 || echo "  $target: the latency run failed" >&2
}

for target in $targets; do
  echo "$target ..." >&2
  if [[ $target == rendezvous ]]; then
    start_rendezvous
    # shellcheck disable=SC2086
    measure rendezvous $steps_rendezvous
    bench_stop_pid "$service_pid"; service_pid=
    "$repo/deploy/local/postgres.sh" stop --data "$work/pg" >/dev/null 2>&1 || true
  else
    start_janus
    # shellcheck disable=SC2086
    measure janus $steps_janus
    bench_stop_pid "$janus_pid"; janus_pid=
  fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"

python3 - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
def load(name):
    p = os.path.join(out, name + ".json")
    return json.load(open(p)) if os.path.exists(p) else None
rows, summary = [], {}
def pair_us(cores, legs):
    # CPU per packet pair: one packet in and one out per leg every 20 ms
    return cores / (legs * 50) * 1e6
def legs_per_core(step):
    return step["legs"] / step["cores"]["server"]
for target in ("rendezvous", "janus"):
    best_file = os.path.join(out, f"{target}-sustained.txt")
    if not os.path.exists(best_file):
        continue
    best = int(open(best_file).read().strip() or 0)
    steps = sorted((json.load(open(f)) for f in glob.glob(os.path.join(out, f"{target}-[0-9]*.json"))), key=lambda r: r["legs"])
    def tick_text(t):
        return ("over 50" if t["p99UpToMs"] is None else f'<= {t["p99UpToMs"]:g}') + f' ({t["over5Ms"]}/{t["count"]})' if t else "n/a"
    for r in steps:
        c = r["cores"]
        # CPU per packet pair (one packet in and one out per leg every 20 ms), and the kernel's part of it.
        pair = f'{pair_us(c.get("server", 0), r["legs"]):.1f} ({pair_us(c.get("server.system", 0), r["legs"]):.1f})' if r["legs"] else "n/a"
        rows.append(f'| {target} | {r["legs"]} | {r["latenessMs"]["p50"]} | {r["latenessMs"]["p99"]} | {r["latenessMs"]["max"]} | {tick_text(r.get("mixerTicks"))} | {tick_text(r.get("mixerTickLateness"))} | {r["deliveredRatio"]:.4f} | {r["sequenceLost"]} | {c.get("server", 0):.3f} | {pair} | {c.get("driver", 0):.3f} | {"yes" if r["legs"] <= best else "no"} |')
    def most(key):
        best_here = 0
        for r in steps:
            t = r.get(key)
            if not t or t["p99UpToMs"] is None or t["p99UpToMs"] > 5:
                break
            best_here = r["legs"]
        return best_here if any(r.get(key) for r in steps) else None
    at = next((r for r in steps if r["legs"] == best), None)
    cores = at["cores"].get("server") if at else None
    # Legs per core used at the most efficient step that lost nothing with the core not saturated (under 0.97):
    # each server at its best unsaturated step (not necessarily at one load), which does not depend on either
    # server's lateness floor.
    kept = [r for r in steps if r["deliveredRatio"] >= 0.995 and r["sequenceLost"] == 0 and 0 < r["cores"].get("server", 0) < 0.97]
    efficient = max(kept, key=legs_per_core, default=None)
    summary[target] = dict(best=best, cores=cores, per_core=(best / cores) if best and cores else None, latency=load(f"{target}-latency"),
                           tick_best=most("mixerTicks"), late_best=most("mixerTickLateness"), efficient=efficient)
with open(os.path.join(out, "table.md"), "w") as f:
    f.write("| server | legs | late p50 ms | late p99 ms | late max ms | mixer tick duration p99 ms (over 5 ms / all) | tick start lateness p99 ms (over 5 ms / all) | delivered | seq. lost | server cores | server µs CPU per packet pair (kernel) | driver cores | sustained |\n|---|---:|---:|---:|---:|---|---|---:|---:|---:|---|---:|---|\n")
    f.write("\n".join(rows) + "\n\n")
    f.write("| server | most legs sustained on one core | server cores used there | legs per core used | added latency p50 / p99 ms (samples, legs) |\n|---|---:|---:|---:|---|\n")
    for target, s in summary.items():
        lat = s["latency"]
        lat_text = f'{lat["latencyMs"]["p50"]} / {lat["latencyMs"]["p99"]} ({lat["latencyMs"]["samples"]}, {lat["legs"]})' if lat else "n/a"
        per_core = f'{s["per_core"]:.0f}' if s["per_core"] else "n/a"
        cores = f'{s["cores"]:.3f}' if s["cores"] is not None else "n/a"
        f.write(f'| {target} | {s["best"]} | {cores} | {per_core} | {lat_text} |\n')
    for target, s in summary.items():
        if s["tick_best"] is not None:
            f.write(f'\nMost {target} legs (steps in order) with the mixer tick duration p99 at most 5 ms: {s["tick_best"]}\n')
        if s["late_best"] is not None:
            f.write(f'Most {target} legs (steps in order) with the mixer tick start lateness p99 at most 5 ms: {s["late_best"]}\n')
    r, j = summary.get("rendezvous"), summary.get("janus")
    if r and j and r["per_core"] and j["per_core"]:
        f.write(f'\nRatio, legs per core used, Rendezvous / Janus: {r["per_core"] / j["per_core"]:.2f}\n')
        f.write(f'Ratio, most legs sustained on one core, Rendezvous / Janus: {r["best"] / j["best"]:.2f}\n')
    for target, s in summary.items():
        e = s["efficient"]
        if e:
            f.write(f'\nMost legs per core used by {target} at a step with nothing lost and the core under 0.97: {legs_per_core(e):.0f} ({e["legs"]} legs, {e["cores"]["server"]:.3f} cores)\n')
    if r and j and r["efficient"] and j["efficient"]:
        f.write(f'Ratio of those, Rendezvous / Janus: {legs_per_core(r["efficient"]) / legs_per_core(j["efficient"]):.2f}\n')
print(open(os.path.join(out, "table.md")).read())
PY
