#!/usr/bin/env bash
# Soak on the release build: the real corpus (../shared/corpus) given N times (default 100)
# to `tag` (CSV to stdout, discarded after counting) and `report --format json`; checks that
# the counts are exactly N times one pass's, and prints the time and peak memory of each.
# The byte-for-byte and per-service checks are the test's, which this runs too on the release
# build:  CSIRT_SOAK_TIMES=N cargo test --release --test cli soak
#   benches/soak.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
corpus=../shared/corpus
if [ ! -d "$corpus" ]; then echo "skipped: $corpus is absent"; exit 0; fi
cargo build --release --quiet < /dev/null
bin=target/release/csirt-tagger
files=("$corpus"/*.csv)
inputs=()
for ((i = 0; i < n; i++)); do inputs+=("${files[@]}"); done
timed() { # runs "$@", stderr to $err; prints seconds and peak RSS
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e s, peak RSS %M KiB' -o "$tmp/time" "$@" 2> "$err"
    cat "$tmp/time"
  else
    local t0=$SECONDS; "$@" 2> "$err"; echo "$((SECONDS - t0)) s"
  fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT; err=$tmp/stderr
numbers() { grep '^read ' "$1" | tr -c '0-9\n' ' ' | xargs; }
scale() { for x in $1; do printf '%s ' $((x * n)); done | xargs; }

"$bin" tag "${files[@]}" > /dev/null 2> "$tmp/one"
"$bin" report "${files[@]}" --format json > "$tmp/one.json" 2> "$tmp/one-report"
echo "one pass: $(grep '^read ' "$tmp/one")"

echo -n "tag x$n: "
timed sh -c "\"\$0\" tag \"\$@\" | wc -c > $tmp/bytes" "$bin" "${inputs[@]}"
echo "  $(grep '^read ' "$err"); $(cat "$tmp/bytes") bytes of CSV"
[ "$(numbers "$err")" = "$(scale "$(numbers "$tmp/one")")" ] || { echo "tag counts are not $n x one pass"; exit 1; }

echo -n "report --format json x$n: "
timed "$bin" report "${inputs[@]}" --format json -o "$tmp/n.json"
echo "  $(grep '^read ' "$err")"
[ "$(numbers "$err" | cut -d' ' -f1-3)" = "$(scale "$(numbers "$tmp/one-report" | cut -d' ' -f1-3)")" ] \
  || { echo "report counts are not $n x one pass"; exit 1; }
echo "ok: counts are exactly $n x one pass"
