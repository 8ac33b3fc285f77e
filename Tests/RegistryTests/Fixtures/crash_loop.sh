#!/usr/bin/env bash
# Manual crash check (not run in CI): kill -9 `streamlora adapters import --promote` at random moments
# and check after every kill that the store is consistent: every version directory verifies its
# checksums, LIVE (if any) points at a verifying version, and leftovers are only `*.tmp`.
#
#   Tests/RegistryTests/Fixtures/crash_loop.sh .build/release/streamlora /tmp/peft-src 100 [MAX_MS]
set -u
BIN=${1:?path to streamlora}
SRC=${2:?PEFT adapter directory to import}
ROUNDS=${3:-50}
MAX_MS=${4:-120}   # kill after 0..MAX_MS-1 ms (a release-build import takes ~100 ms here)
REG=$(mktemp -d)
killed=0 leftovers=0 bad=0
for i in $(seq 1 "$ROUNDS"); do
    "$BIN" adapters import --registry "$REG" --peft "$SRC" --base-sha256 crashtest --promote --reason "round $i" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf "0.%03d" $((RANDOM % MAX_MS)))"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null
    ls -a "$REG/default/versions" 2>/dev/null | grep -q '\.tmp$' && leftovers=$((leftovers + 1))
    ls -a "$REG/default" 2>/dev/null | grep -q '\.tmp$' && leftovers=$((leftovers + 1))
    for v in $(ls "$REG/default/versions" 2>/dev/null | grep -E '^[0-9]{6}$'); do
        if ! "$BIN" adapters show "$v" --registry "$REG" >/dev/null 2>/tmp/crash_loop_err; then
            echo "round $i: version $v refused: $(cat /tmp/crash_loop_err)"; bad=$((bad + 1))
        fi
    done
    if [ -f "$REG/default/LIVE" ] && ! "$BIN" adapters show --registry "$REG" >/dev/null 2>/tmp/crash_loop_err; then
        echo "round $i: LIVE refused: $(cat /tmp/crash_loop_err)"; bad=$((bad + 1))
    fi
done
versions=$(ls "$REG/default/versions" | grep -cE '^[0-9]{6}$')
journal=$(wc -l < "$REG/default/journal.jsonl")
echo "rounds $ROUNDS, killed mid-run $killed, rounds that left *.tmp $leftovers, versions $versions, journal lines $journal, inconsistencies $bad"
rm -rf "$REG"
[ "$bad" -eq 0 ]
