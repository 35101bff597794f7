#!/usr/bin/env bash
# Does batching system calls lower the kernel's cost per media datagram here? (issue 7; bench/README.md,
# "Does batching system calls lower the kernel's cost?"). Builds bench/media-syscall-batching.c with gcc and runs
# each mode three times with 1,500 sockets (the legs of the 1,500-leg step) for 8 s. Run it on an idle
# machine; it takes about 2 minutes. MEDIA_BATCHING_OUT names a folder for the output (default: stdout only).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="$(mktemp -d)/media-syscall-batching"
trap 'rm -rf "$(dirname "$binary")"' EXIT
gcc -O2 -Wall -Wextra -Werror -o "$binary" "$here/media-syscall-batching.c" -lpthread
# two sockets per leg: 3,000 descriptors with the default 1,500 legs
ulimit -n "$(( ${MEDIA_BATCHING_SOCKETS:-1500} * 2 + 64 ))" 2>/dev/null || true
out="${MEDIA_BATCHING_OUT:-}"
run() {
  for round in 1 2 3; do
    for mode in send send-connected send-uring recv-epoll recv-uring; do
      "$binary" "$mode" "${MEDIA_BATCHING_SOCKETS:-1500}" 400
    done
  done
}
if [[ -n "$out" ]]; then
  mkdir -p "$out"
  { date -u +%FT%TZ; uname -r; nproc; grep -m1 'model name' /proc/cpuinfo; uptime; } >"$out/machine.txt"
  run | tee "$out/results.txt"
else
  run
fi
