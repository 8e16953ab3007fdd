#!/bin/sh
# First start of the compose PostgreSQL (docker-entrypoint-initdb.d): one role per tenant, so
# the CMDB's credentials cannot touch Temporal's databases and Temporal's cannot touch the CMDB.
# Passwords are for a local trial; set your own through the environment before real use.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE itsm LOGIN PASSWORD '${ITSM_DB_PASSWORD}';
CREATE DATABASE itsm OWNER itsm;
-- Temporal's auto-setup creates its own two databases (temporal, temporal_visibility).
CREATE ROLE temporal LOGIN CREATEDB PASSWORD '${TEMPORAL_DB_PASSWORD}';
SQL
