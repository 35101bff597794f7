#!/usr/bin/env bash
# Runs every test in the solution.
#
#   deploy/local/test.sh
#
# Installs the Debian packages the fixtures need when they are missing (PostgreSQL,
# slapd); each test run then starts its own private servers on free loopback ports in
# temporary folders, and removes them afterwards. Ends with a line "N passed, N failed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

require_dotnet
"$repo_root/deploy/local/install-packages.sh"

cd "$repo_root"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Rendezvous.sln -c Release --nologo --blame-hang-timeout 5m "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test assemblies.
awk '/^(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
       }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
