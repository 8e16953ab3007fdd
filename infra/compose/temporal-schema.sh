#!/bin/sh
# One-shot (temporalio/admin-tools): Temporal's two databases and their schemas, as the
# `temporal` role (infra/compose/postgres-roles.sh). Re-running is harmless: `create` fails on an
# existing database (ignored), `update-schema` applies only what is missing, so a server upgrade
# is this job at the new version, then the new server.
set -eu
sql() { temporal-sql-tool --plugin postgres12 --ep postgres -p 5432 -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"; }
for db in temporal temporal_visibility; do
  sql --db "$db" create 2>/dev/null || echo "database $db exists"
done
sql --db temporal setup-schema -v 0.0 2>/dev/null || true
sql --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
sql --db temporal_visibility setup-schema -v 0.0 2>/dev/null || true
sql --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
