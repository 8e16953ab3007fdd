#!/usr/bin/env bash
# Installs (from Debian's packages) and starts a local PostgreSQL for the database tests,
# then prints the admin URL the suites use to create one throwaway database each.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "[postgres] installing postgresql from Debian's packages…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$version main"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -q -v ON_ERROR_STOP=1 -c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'itsm') THEN CREATE ROLE itsm LOGIN SUPERUSER PASSWORD 'itsm'; END IF; END \\\$\\\$;\"" >&2
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname = 'itsm'\" | grep -q 1 || createdb -O itsm itsm" >&2
echo "postgresql://itsm:itsm@127.0.0.1:5432/itsm"
