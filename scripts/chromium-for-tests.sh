#!/usr/bin/env bash
# Installs Debian's headless-capable chromium if it is missing (for the tests that look at what a
# person would: SVG report charts), then prints the binary's path.
set -euo pipefail
bin=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$bin" ]; then
  echo "[chromium] installing chromium from Debian's packages…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
  bin=$(command -v chromium)
fi
echo "$bin"
