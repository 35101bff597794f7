#!/usr/bin/env bash
# Installs the Debian packages that the local run and the test fixtures need:
# PostgreSQL (server and client), OpenLDAP's slapd and ldap-utils, libldap
# (which System.DirectoryServices.Protocols loads at run time), and the real media
# programs the media and SAP tests run as participants and dissectors: ffmpeg, tshark
# and VLC (whose SAP discovery lists our announcements).
#
# Idempotent: when every program is already there it does nothing and asks for
# nothing. Several callers may run it at once (parallel test assemblies); a lock
# file serialises them so that only one apt-get runs.
#
# slapd is pre-seeded with "no_configuration", so the package does not create or
# start a system-wide directory: Rendezvous runs its own private slapd instances.
set -euo pipefail

have_all() {
  local pg_bin
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$pg_bin" && -x "$pg_bin/initdb" && -x "$pg_bin/pg_ctl" ]] || return 1
  command -v psql >/dev/null || return 1
  [[ -x /usr/sbin/slapd ]] || return 1
  command -v slaptest >/dev/null || [[ -x /usr/sbin/slaptest ]] || return 1
  command -v ldapsearch >/dev/null || return 1
  command -v slappasswd >/dev/null || [[ -x /usr/sbin/slappasswd ]] || return 1
  ldconfig -p 2>/dev/null | grep -q 'libldap-2\.5\.so\.0' || return 1
  command -v openssl >/dev/null || return 1   # the test fixtures make throwaway TLS certificates
  command -v ffmpeg >/dev/null || return 1    # media tests: real RTP participants
  command -v tshark >/dev/null || return 1    # media tests: dissecting our RTP
  command -v vlc >/dev/null || return 1       # SAP tests: VLC's SAP discovery lists our sessions
}

have_all && exit 0

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
  # In a non-interactive context (a test runner) a password prompt would hang.
  if [[ ! -t 0 ]] && ! sudo -n true 2>/dev/null; then
    echo "install-packages: PostgreSQL/OpenLDAP packages are missing and sudo needs a password." >&2
    echo "Run deploy/local/install-packages.sh once in a terminal, then try again." >&2
    exit 1
  fi
else
  echo "install-packages: packages are missing and this user is not root and has no sudo." >&2
  echo "As root: apt-get install postgresql slapd ldap-utils libldap-2.5-0 openssl ffmpeg tshark vlc-bin vlc-plugin-base" >&2
  exit 1
fi

lock=/tmp/rendezvous-install-packages.lock
exec 9>"$lock"
chmod 666 "$lock" 2>/dev/null || true
flock 9
have_all && exit 0   # another caller finished the job while we waited

echo "install-packages: installing postgresql slapd ldap-utils libldap-2.5-0 openssl ffmpeg tshark vlc-bin vlc-plugin-base ..." >&2
export DEBIAN_FRONTEND=noninteractive
echo "slapd slapd/no_configuration boolean true" | "${as_root[@]}" debconf-set-selections
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${as_root[@]}" debconf-set-selections
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends \
  postgresql postgresql-client slapd ldap-utils libldap-2.5-0 openssl ffmpeg tshark vlc-bin vlc-plugin-base >&2
have_all || { echo "install-packages: installation finished but a program is still missing" >&2; exit 1; }
