#!/usr/bin/env bash
# Runs one Rendezvous OpenLDAP directory in the foreground (exec slapd -d 0).
# Used by the local run (deploy/local/run.sh), the test fixtures
# (tests/Rendezvous.Testing) and the container image (deploy/ldap/Dockerfile),
# so all three run the same schema and configuration.
#
#   slapd-run.sh --data DIR --url URL --rootpw-file FILE
#                [--dds-interval SECONDS] [--dds-max-ttl SECONDS] [--log-level LEVEL]
#                [--suffix DN --base-ldif FILE] [--tls-cert PEM --tls-key PEM]
#
# DIR holds the rendered slapd.conf and the database. On the first start the
# database is created and loaded with base.ldif; later starts keep the data.
# FILE holds the administrator's (cn=admin,<suffix>) password; only its salted
# hash goes into slapd.conf, and it never appears on a command line.
# URL may be several space-separated URLs (slapd -h), e.g.
# "ldap://127.0.0.1:389/ ldaps://127.0.0.1:636/"; ldaps:// and StartTLS need
# --tls-cert and --tls-key (PEM server certificate and its unencrypted key).
# --suffix (default o=Intranet) and --base-ldif (default base.ldif next to this
# script) give the database another naming context, e.g. an Active Directory
# style TAPI partition; the LDIF must create the suffix entry.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data= url= rootpw_file= tls_cert= tls_key=
dds_interval=60 dds_max_ttl=86400 log_level=none
suffix=o=Intranet base_ldif=$here/base.ldif

while [[ $# -gt 0 ]]; do
  case "$1" in
    --data) data=$2; shift 2 ;;
    --url) url=$2; shift 2 ;;
    --rootpw-file) rootpw_file=$2; shift 2 ;;
    --dds-interval) dds_interval=$2; shift 2 ;;
    --dds-max-ttl) dds_max_ttl=$2; shift 2 ;;
    --log-level) log_level=$2; shift 2 ;;
    --suffix) suffix=$2; shift 2 ;;
    --base-ldif) base_ldif=$2; shift 2 ;;
    --tls-cert) tls_cert=$2; shift 2 ;;
    --tls-key) tls_key=$2; shift 2 ;;
    *) echo "slapd-run: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n "$data" && -n "$url" && -n "$rootpw_file" ]] || {
  echo "usage: slapd-run.sh --data DIR --url URL --rootpw-file FILE [--dds-interval S] [--dds-max-ttl S] [--log-level L] [--suffix DN --base-ldif FILE] [--tls-cert PEM --tls-key PEM]" >&2
  exit 2
}
[[ -r "$rootpw_file" ]] || { echo "slapd-run: cannot read the password file '$rootpw_file'" >&2; exit 2; }
[[ -r "$base_ldif" ]] || { echo "slapd-run: cannot read the base LDIF '$base_ldif'" >&2; exit 2; }
# The suffix goes into slapd.conf through sed: keep it to plain DN characters.
[[ "$suffix" =~ ^[A-Za-z0-9=,.\ -]+$ && "$suffix" == *=* ]] || { echo "slapd-run: --suffix '$suffix' is not a plain DN (letters, digits, '=', ',', '.', '-', ' ')" >&2; exit 2; }
case "$suffix" in *'\'*) echo "slapd-run: --suffix must not contain a backslash" >&2; exit 2 ;; esac
if [[ -n "$tls_cert$tls_key" ]]; then
  [[ -r "$tls_cert" && -r "$tls_key" ]] || { echo "slapd-run: --tls-cert and --tls-key must both name readable PEM files" >&2; exit 2; }
  tls_cert=$(cd "$(dirname "$tls_cert")" && pwd)/$(basename "$tls_cert")
  tls_key=$(cd "$(dirname "$tls_key")" && pwd)/$(basename "$tls_key")
  tls_lines='s|^#TLS# ||'
else
  case "$url" in *ldaps://*) echo "slapd-run: an ldaps:// URL needs --tls-cert and --tls-key" >&2; exit 2 ;; esac
  tls_lines='/^#TLS# /d'
fi

slapd=/usr/sbin/slapd slaptest=/usr/sbin/slaptest slapadd=/usr/sbin/slapadd slappasswd=/usr/sbin/slappasswd
for tool in "$slapd" "$slaptest" "$slapadd" "$slappasswd"; do
  [[ -x "$tool" ]] || { echo "slapd-run: $tool is missing (install the Debian package slapd)" >&2; exit 3; }
done
system_schema=/etc/ldap/schema
module_dir=/usr/lib/ldap

mkdir -p "$data/db"
data=$(cd "$data" && pwd)
# Paths are written into slapd.conf in double quotes, through sed with '|' as delimiter.
case "$data$here$tls_cert$tls_key" in
  *'"'*|*'|'*|*'\'*) echo "slapd-run: paths must not contain \", | or \\: $data" >&2; exit 2 ;;
esac

# slappasswd -T reads the secret from a file: it never shows in ps.
hash=$("$slappasswd" -h '{SSHA}' -T "$rootpw_file")
conf="$data/slapd.conf"
umask 077
sed -e "$tls_lines" \
    -e "s|@TLS_CERT@|$tls_cert|g" \
    -e "s|@TLS_KEY@|$tls_key|g" \
    -e "s|@SUFFIX@|$suffix|g" \
    -e "s|@SYSTEM_SCHEMA@|$system_schema|g" \
    -e "s|@SCHEMA_DIR@|$here/schema|g" \
    -e "s|@MODULE_DIR@|$module_dir|g" \
    -e "s|@DATA_DIR@|$data|g" \
    -e "s|@ROOT_PW_HASH@|$hash|g" \
    -e "s|@LOG_LEVEL@|$log_level|g" \
    -e "s|@DDS_INTERVAL@|$dds_interval|g" \
    -e "s|@DDS_MAX_TTL@|$dds_max_ttl|g" \
    "$here/slapd.conf.in" > "$conf"

"$slaptest" -Q -u -f "$conf" || { echo "slapd-run: slaptest rejected $conf" >&2; exit 4; }

if [[ ! -e "$data/db/data.mdb" ]]; then
  "$slapadd" -q -f "$conf" -l "$base_ldif"
fi

# -d 0 keeps slapd in the foreground, so whoever started us owns its lifetime.
# -h takes the space-separated URL list as one argument.
exec "$slapd" -f "$conf" -h "$url" -d 0
