#!/usr/bin/env bash
# Starts or stops one private PostgreSQL instance on 127.0.0.1.
# Used by the local run (run.sh) and the test fixtures (tests/Rendezvous.Testing).
#
#   postgres.sh start --data DIR --port PORT --password-file FILE [--database NAME] [--fast]
#   postgres.sh stop  --data DIR
#
# DIR is the instance folder: the cluster in DIR/pgdata, the server log in
# DIR/postgresql.log and the Unix socket in DIR.
#
# start: creates the cluster on first use (superuser "postgres", SCRAM password
# from FILE for TCP, trust on the private Unix socket inside DIR), starts it,
# waits until it accepts connections and creates database NAME if missing.
# Later starts reuse the data. --fast turns off fsync (tests only: never for a
# benchmark or a durability test).
#
# PostgreSQL refuses to run as root; as root the cluster is run as the "postgres"
# system user, which then owns DIR.
set -euo pipefail

cmd=${1:-}; shift || true
data= port= pwfile= database= fast=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data) data=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --password-file) pwfile=$2; shift 2 ;;
    --database) database=$2; shift 2 ;;
    --fast) fast=1; shift ;;
    *) echo "postgres.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
usage() { echo "usage: postgres.sh start --data DIR --port PORT --password-file FILE [--database NAME] [--fast] | stop --data DIR" >&2; exit 2; }
[[ -n "$data" ]] || usage

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[[ -n "$bin" && -x "$bin/initdb" ]] || { echo "postgres.sh: PostgreSQL server binaries not found under /usr/lib/postgresql (install the Debian package postgresql)" >&2; exit 3; }

as_owner=()
if [[ $(id -u) -eq 0 ]]; then as_owner=(runuser -u postgres --); fi

case "$cmd" in
  start)
    [[ -n "$port" && -n "$pwfile" ]] || usage
    [[ -r "$pwfile" ]] || { echo "postgres.sh: cannot read the password file '$pwfile'" >&2; exit 2; }
    mkdir -p "$data"
    data=$(cd "$data" && pwd)
    if [[ ${#as_owner[@]} -gt 0 ]]; then
      chown -R postgres: "$data"
      # The postgres user must be able to reach DIR through every parent folder.
      if ! runuser -u postgres -- test -x "$data"; then
        echo "postgres.sh: the postgres system user cannot reach $data (a parent folder is private)." >&2
        echo "Run as an ordinary user, or keep the checkout where other users can traverse it." >&2
        exit 3
      fi
    fi
    chmod 700 "$data"
    cluster="$data/pgdata"
    if [[ ! -s "$cluster/PG_VERSION" ]]; then
      # initdb reads the password from a file the cluster owner can read.
      tmp_pw="$data/.initdb-password"
      install -m 600 "$pwfile" "$tmp_pw"
      [[ ${#as_owner[@]} -gt 0 ]] && chown postgres: "$tmp_pw"
      "${as_owner[@]}" "$bin/initdb" -D "$cluster" -U postgres --pwfile="$tmp_pw" \
        --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$data/initdb.log" 2>&1 \
        || { rm -f "$tmp_pw"; cat "$data/initdb.log" >&2; exit 4; }
      rm -f "$tmp_pw"
    fi
    if "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster" status >/dev/null 2>&1; then
      echo "postgres.sh: reusing the instance already running from $cluster" >&2
    else
    # The Unix socket lives in DIR unless that path is too long for a socket (108 bytes);
    # pg_ctl hands -o to a shell, so the path is quoted, and a path with a quote is refused.
    socket_dir=$data
    [[ ${#socket_dir} -le 90 ]] || socket_dir=$(mktemp -d /tmp/rendezvous-pg-socket.XXXXXX)
    [[ ${#as_owner[@]} -gt 0 ]] && chown postgres: "$socket_dir"
    [[ "$socket_dir" != *"'"* ]] || { echo "postgres.sh: the data path must not contain a quote: $socket_dir" >&2; exit 2; }
    echo "$socket_dir" > "$data/socket-dir"
    opts="-p $port -k '$socket_dir' -c listen_addresses=127.0.0.1"
    [[ $fast -eq 1 ]] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster" -l "$data/postgresql.log" -w -t 60 -s start -o "$opts" \
      || { echo "postgres.sh: PostgreSQL did not start; its log:" >&2; tail -n 20 "$data/postgresql.log" >&2; exit 5; }
    fi
    if [[ -n "$database" ]]; then
      socket_dir=$(cat "$data/socket-dir")
      exists=$("${as_owner[@]}" "$bin/psql" -h "$socket_dir" -p "$port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$database'")
      [[ "$exists" == 1 ]] || "${as_owner[@]}" "$bin/createdb" -h "$socket_dir" -p "$port" -U postgres "$database"
    fi
    ;;
  stop)
    [[ -s "$data/pgdata/postmaster.pid" ]] || exit 0
    "${as_owner[@]}" "$bin/pg_ctl" -D "$data/pgdata" -m fast -w -t 60 -s stop
    ;;
  *) usage ;;
esac
