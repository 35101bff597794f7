# Sourced by run.sh and test.sh: the repository root and the .NET SDK check.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The .NET 10 SDK is the one prerequisite these scripts cannot always install: Debian
# does not package it. Where the Microsoft package repository is configured, apt can.
require_dotnet() {
  if command -v dotnet >/dev/null && dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    return 0
  fi
  if apt-cache policy dotnet-sdk-10.0 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    echo "Installing the .NET 10 SDK (dotnet-sdk-10.0) ..." >&2
    local sudo=(); [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get install -y -qq dotnet-sdk-10.0 >&2
    return 0
  fi
  echo "The .NET 10 SDK is required and was not found." >&2
  echo "Install it from https://learn.microsoft.com/dotnet/core/install/linux-debian (package dotnet-sdk-10.0), then run this again." >&2
  exit 1
}
