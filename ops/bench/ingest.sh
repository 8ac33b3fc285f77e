#!/usr/bin/env bash
# Ingest benchmark: consume + decode + validate against the embedded broker, with kcat
# consuming the same topic in the same run as the reference. Release build required.
#   ops/bench/ingest.sh [MESSAGES] [extra args…]     e.g. ops/bench/ingest.sh 200000 --json
set -euo pipefail
cd "$(dirname "$0")/../.."
messages="${1:-200000}"
shift || true
swift build -c release --product streamlora >&2
exec .build/release/streamlora bench ingest --messages "$messages" "$@"
