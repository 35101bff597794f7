#!/usr/bin/env bash
# SDP parse throughput: Rendezvous (C#) against sdp-transform (node), in one run, measured the
# same way (warm-up, 15 batches, median per parse) over the files in bench/corpus.
#   bench/run-sdp.sh               measure now
#   bench/run-sdp.sh --wait-quiet  first wait (up to 15 minutes, checking every 30 s) until no
#                                  'dotnet test', testhost or vstest process runs on the machine
# Results (two JSON files, the table and the machine) go to $SDP_BENCH_OUT, by default
# bench/results/sdp-latest/.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${SDP_BENCH_OUT:-bench/results/sdp-latest}"
mkdir -p "$out"

if [[ ! -d bench/sdp-transform/node_modules/sdp-transform ]]; then
  (cd bench/sdp-transform && npm ci --no-audit --no-fund)
fi

dotnet build -c Release bench/Rendezvous.Benchmarks -v quiet -nologo
program=bench/Rendezvous.Benchmarks/bin/Release/net10.0/Rendezvous.Benchmarks.dll
dotnet "$program" check

quiet=yes
if [[ "${1:-}" == "--wait-quiet" ]]; then
  for _ in $(seq 1 30); do
    if ! pgrep -f 'dotnet test|testhost|vstest' >/dev/null; then
      break
    fi
    echo "waiting: test processes are running ($(pgrep -f 'dotnet test|testhost|vstest' | wc -l))" >&2
    sleep 30
  done
fi
if pgrep -f 'dotnet test|testhost|vstest' >/dev/null; then
  quiet=no
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "dotnet: $(dotnet --version) (runtime $(dotnet --list-runtimes | grep -m1 NETCore.App | cut -d' ' -f2))"
  echo "node: $(node --version)"
  echo "no test processes at start: $quiet"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

dotnet "$program" throughput > "$out/rendezvous.json"
node bench/sdp-transform/bench.js > "$out/sdp-transform.json"

{
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  if pgrep -f 'dotnet test|testhost|vstest' >/dev/null; then
    echo "test processes at end: yes"
  else
    echo "test processes at end: no"
  fi
} | tee -a "$out/machine.txt"

node bench/sdp-table.js "$out/rendezvous.json" "$out/sdp-transform.json" | tee "$out/table.md"
