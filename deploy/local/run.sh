#!/usr/bin/env bash
# Runs Rendezvous locally with its own private PostgreSQL and OpenLDAP.
#
#   deploy/local/run.sh
#
# Installs the Debian packages it needs when they are missing, keeps all data under
# .local/ (ignored by git) so the next run finds it again, prints the URLs and the
# admin token, and stops both servers when the service stops (Ctrl-C).
#
# Environment (all optional):
#   RENDEZVOUS_HTTP_URL    where the service listens      (http://127.0.0.1:5080)
#   RENDEZVOUS_PG_PORT     the private PostgreSQL's port  (55432)
#   RENDEZVOUS_LDAP_PORT   the private slapd's port       (3389)
#   Rendezvous__Auth__BootstrapAdminToken   use this admin token instead of the generated one
#   any other Rendezvous__* setting is passed to the service as it is.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

http_url=${RENDEZVOUS_HTTP_URL:-http://127.0.0.1:5080}
pg_port=${RENDEZVOUS_PG_PORT:-55432}
ldap_port=${RENDEZVOUS_LDAP_PORT:-3389}
ldap_url="ldap://127.0.0.1:$ldap_port"

require_dotnet
"$repo_root/deploy/local/install-packages.sh"

state="$repo_root/.local"
secrets="$state/secrets"
mkdir -p "$secrets"
chmod 700 "$secrets"

# Secrets are made once and kept, so the data of the previous run stays usable.
new_secret() {
  [[ -s "$1" ]] && return 0
  (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$1")
}
new_secret "$secrets/postgres.password"
new_secret "$secrets/ldap-admin.password"
if [[ -n "${Rendezvous__Auth__BootstrapAdminToken:-}" ]]; then
  admin_token=$Rendezvous__Auth__BootstrapAdminToken
else
  new_secret "$secrets/bootstrap-admin.token"
  admin_token=$(cat "$secrets/bootstrap-admin.token")
  export Rendezvous__Auth__BootstrapAdminTokenFile="$secrets/bootstrap-admin.token"
fi

slapd_pid=
cleanup() {
  trap - EXIT INT TERM
  if [[ -n "$slapd_pid" ]] && kill -0 "$slapd_pid" 2>/dev/null; then
    kill "$slapd_pid" 2>/dev/null || true
    wait "$slapd_pid" 2>/dev/null || true
  fi
  "$repo_root/deploy/local/postgres.sh" stop --data "$state/postgres" || true
  echo "Rendezvous stopped; PostgreSQL and slapd stopped. Data kept in $state." >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Starting PostgreSQL on 127.0.0.1:$pg_port ..." >&2
"$repo_root/deploy/local/postgres.sh" start --data "$state/postgres" --port "$pg_port" \
  --password-file "$secrets/postgres.password" --database rendezvous

echo "Starting OpenLDAP (slapd) at $ldap_url ..." >&2
"$repo_root/deploy/ldap/slapd-run.sh" --data "$state/ldap" --url "$ldap_url/" \
  --rootpw-file "$secrets/ldap-admin.password" >"$state/slapd.log" 2>&1 &
slapd_pid=$!
slapd_answers() {
  # Ours must still be alive: a stale slapd from an earlier run could answer on the port.
  ldapsearch -x -H "$ldap_url" -b "" -s base >/dev/null 2>&1 && kill -0 "$slapd_pid" 2>/dev/null
}
for _ in $(seq 50); do
  slapd_answers && break
  kill -0 "$slapd_pid" 2>/dev/null || { echo "slapd did not start (is port $ldap_port taken?):" >&2; cat "$state/slapd.log" >&2; exit 1; }
  sleep 0.2
done
slapd_answers || { echo "slapd does not answer at $ldap_url:" >&2; cat "$state/slapd.log" >&2; exit 1; }

echo "Building the service ..." >&2
dotnet build "$repo_root/Rendezvous.Api/Rendezvous.Api.csproj" -c Release -v quiet -nologo >&2

export ASPNETCORE_URLS=$http_url
export Rendezvous__PostgreSql__ConnectionString="Host=127.0.0.1;Port=$pg_port;Database=rendezvous;Username=postgres"
export Rendezvous__PostgreSql__PasswordFile="$secrets/postgres.password"
export Rendezvous__Directories__0__Name=local
export Rendezvous__Directories__0__Url=$ldap_url
export Rendezvous__Directories__0__BaseDn=o=Intranet
export Rendezvous__Directories__0__Bind__Mode=Simple
export Rendezvous__Directories__0__Bind__Dn=cn=admin,o=Intranet
export Rendezvous__Directories__0__Bind__PasswordFile="$secrets/ldap-admin.password"

cat >&2 <<BANNER

  Rendezvous
    REST API         $http_url            (liveness /healthz, readiness /readyz)
    PostgreSQL       postgresql://postgres@127.0.0.1:$pg_port/rendezvous   password: .local/secrets/postgres.password
    LDAP directory   $ldap_url   base o=Intranet, anonymous read
                     admin cn=admin,o=Intranet   password: .local/secrets/ldap-admin.password
    Admin token      $admin_token
                     curl -H "Authorization: Bearer $admin_token" $http_url/api/auth/whoami
  Ctrl-C stops the service, PostgreSQL and slapd; the data stays in .local/.

BANNER

# The content root is the build output, where appsettings.json is. The service runs in the
# background so that a TERM or INT sent to this script alone (by a supervisor, or timeout)
# is passed on to it: bash would hold the trap back while a foreground child runs.
cd "$repo_root/Rendezvous.Api/bin/Release/net10.0"
dotnet rendezvous.dll &
service_pid=$!
trap 'kill -TERM "$service_pid" 2>/dev/null || true' INT TERM
# A signal interrupts wait (status above 128) while the service is still shutting down; wait
# again until it has exited, and leave with its own status (78 for a configuration error).
status=0
while kill -0 "$service_pid" 2>/dev/null; do
  if wait "$service_pid"; then status=0; else status=$?; fi
done
exit "$status"
