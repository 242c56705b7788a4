#!/usr/bin/env bash
# Does a change to the engine change what `tag` writes? Runs two builds of csirt-tagger side by
# side on every export under fixtures/ and on ../shared/corpus (when present), as CSV and as
# JSON lines, and compares their outputs byte for byte; where they differ, says whether the
# tags themselves differ (services, primary, source, rules) or only the bytes around them.
#
#   benches/same-output.sh [--all] OLD_BINARY [NEW_BINARY]   # NEW defaults to target/release/csirt-tagger
#
# By default the rules' tags only (`tag --no-fallback`): what an engine change must keep. With
# --all, `tag` as a user runs it: the index fallback and the labelled examples' vote too (what a
# change to the examples' index or the vote must keep; a change to the embedded examples changes
# it by design).
#
# Build the old one from a worktree, e.g.
#   git worktree add /tmp/old COMMIT && (cd /tmp/old && CARGO_TARGET_DIR=/tmp/old-target cargo build --release)
# Exit status: 0 when every output is identical, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=(--no-fallback)
if [ "${1:-}" = --all ]; then mode=(); shift; fi
old=${1:?usage: benches/same-output.sh [--all] OLD_BINARY [NEW_BINARY]}
new=${2:-target/release/csirt-tagger}
[ -x "$old" ] && [ -x "$new" ] || { echo "same-output.sh: both binaries must exist" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

inputs=()
while IFS= read -r f; do inputs+=("$f"); done < <(
  find fixtures/exports fixtures/labelled -type f \( -name '*.csv' -o -name '*.tsv' -o -name '*.txt' \) \
    ! -name '*gold*' | sort
)
if [ -d ../shared/corpus ]; then
  for f in ../shared/corpus/*.csv; do inputs+=("$f"); done
else
  echo "same-output.sh: ../shared/corpus not found: fixtures only" >&2
fi

# The tag columns of a tagged CSV, one line per row (the last five cells).
tags() {
  python3 -c '
import csv, sys
csv.field_size_limit(1 << 30)
text = open(sys.argv[1], encoding="utf-8-sig", newline="").read()
dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t|")
for row in csv.reader(text.splitlines(True), dialect):
    print("\t".join(row[-5:]))
' "$1"
}

same=0 differ=0 tags_differ=0 rows=0
for f in "${inputs[@]}"; do
  for ext in csv jsonl; do
    o="$work/old.$ext" n="$work/new.$ext"
    "$old" -q tag "$f" "${mode[@]}" -o "$o" 2> "$work/old.err" || true
    "$new" -q tag "$f" "${mode[@]}" -o "$n" 2> "$work/new.err" || true
    if [ -f "$o" ] && [ -f "$n" ] && cmp -s "$o" "$n"; then
      same=$((same + 1))
      [ "$ext" = csv ] && rows=$((rows + $(wc -l < "$n")))
    elif [ ! -f "$o" ] && [ ! -f "$n" ] && cmp -s "$work/old.err" "$work/new.err"; then
      same=$((same + 1)) # both refused the input alike
    else
      differ=$((differ + 1))
      echo "DIFFERS: $f ($ext)"
      if [ "$ext" = csv ] && [ -f "$o" ] && [ -f "$n" ] && ! diff -q <(tags "$o") <(tags "$n") > /dev/null; then
        tags_differ=$((tags_differ + 1))
        echo "  the tags differ:"
        diff <(tags "$o") <(tags "$n") | head -10 | sed 's/^/    /'
      fi
    fi
    rm -f "$o" "$n"
  done
done
echo "same-output${mode[0]:+ (${mode[0]})}${mode[0]:- (with the fallback and the vote)}: ${#inputs[@]} inputs x {csv, jsonl}: $same identical, $differ differ ($tags_differ with other tags); $rows CSV lines compared"
[ "$differ" -eq 0 ]
