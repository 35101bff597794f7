# Shared by bench/run-*.sh (sourced, not run): stopping servers, free ports, waiting for a quiet
# machine, and the machine description every recorded result starts with.

# Test and benchmark processes that would disturb a measurement.
BENCH_BUSY_PATTERN='dotnet test|testhost|vstest|BenchmarkDotNet|Rendezvous.Benchmarks'

# TERM, then KILL after 15 s: a server still working through abandoned requests would otherwise
# keep the run (and a core) busy long after the load ended.
bench_stop_pid() {
  local pid=$1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 75); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

# The end of a run: stops the given servers (as above), the private PostgreSQL in WORK/pg if there
# is one, keeps WORK's logs in OUT/logs and removes WORK.
bench_finish() { # work out pid...
  local work=$1 out=$2 pid
  shift 2
  for pid in "$@"; do
    bench_stop_pid "$pid"
  done
  "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/postgres.sh" stop --data "$work/pg" >/dev/null 2>&1 || true
  mkdir -p "$out/logs"
  cp "$work"/*.log "$out/logs/" 2>/dev/null || true
  rm -rf "$work"
}

# A free loopback TCP port (nothing listens on it now).
bench_free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 40000))
    if [[ -z "$(ss -Htln "sport = :$port" 2>/dev/null)" ]]; then
      echo "$port"
      return 0
    fi
  done
  echo "bench: no free port found" >&2
  return 1
}

# True while processes matching PATTERN (default: BENCH_BUSY_PATTERN) run.
bench_busy() { pgrep -f "${1:-$BENCH_BUSY_PATTERN}" >/dev/null; }

# Waits, checking every 30 s, while processes matching PATTERN run; 20 minutes at most in all
# (BENCH_WAITED counts across calls).
BENCH_WAITED=0
bench_wait_quiet() {
  local pattern=${1:-$BENCH_BUSY_PATTERN}
  while bench_busy "$pattern" && [[ $BENCH_WAITED -lt 1200 ]]; do
    echo "waiting: $(pgrep -fc "$pattern") test/benchmark processes running (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    sleep 30
    BENCH_WAITED=$((BENCH_WAITED + 30))
  done
}

# The first lines of machine.txt: when, and on what.
bench_machine() {
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "dotnet: $(dotnet --version) (runtime $(dotnet --list-runtimes | grep -m1 NETCore.App | cut -d' ' -f2))"
}
