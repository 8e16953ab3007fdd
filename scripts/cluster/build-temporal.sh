#!/usr/bin/env bash
# Builds the Temporal server and its SQL schema tool from the Go module proxy into
# .tools/temporal-cluster/bin, pinned to the server version the pinned dev server embeds.
# Idempotent: skipped when both binaries exist with a matching version stamp.
# First build: about 10 minutes on 2 cores (peak ~2.6 GB memory).
set -euo pipefail

TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.32.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="$ROOT/.tools/temporal-cluster"
BIN="$DEST/bin"
STAMP="$DEST/version"

if [[ -x "$BIN/server" && -x "$BIN/sql" && -f "$STAMP" && "$(cat "$STAMP")" == "$TEMPORAL_SERVER_VERSION" ]]; then
  echo "temporal-cluster: server and sql tool $TEMPORAL_SERVER_VERSION already built in $BIN"
  exit 0
fi

command -v go >/dev/null || { echo "temporal-cluster: the Go toolchain is required (go install)" >&2; exit 1; }
mkdir -p "$BIN"
start=$(date +%s)
echo "temporal-cluster: building go.temporal.io/server $TEMPORAL_SERVER_VERSION into $BIN (about 10 minutes on 2 cores)"
export GOFLAGS=-mod=mod GOBIN="$BIN"
go install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION"
go install "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
# The module (schemas and config templates) stays in the module cache; note where.
MODDIR="$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION"
[[ -d "$MODDIR/schema/postgresql" ]] || { echo "temporal-cluster: schema not found under $MODDIR" >&2; exit 1; }
echo "$MODDIR" > "$DEST/module-dir"
end=$(date +%s)
echo "$((end - start))" > "$DEST/build-seconds"
echo "$TEMPORAL_SERVER_VERSION" > "$STAMP"
echo "temporal-cluster: built in $((end - start)) s"
