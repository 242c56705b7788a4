#!/usr/bin/env bash
# Seeds fuzz/corpus/<target> from the project's own files, then (with a target name) runs that
# target with one job: fuzz/seed.sh; fuzz/seed.sh import 900   (seconds)
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/import corpus/dates corpus/rules
# import: every example export (all flavours, encodings, delimiters) and the labelled sets.
for f in ../fixtures/exports/*/* ../fixtures/labelled/*.csv ../fixtures/labelled/*.tsv; do
  [ -f "$f" ] || continue
  head -c 16384 "$f" > "corpus/import/$(echo "$f" | tr '/.' '__')"
done
# dates: one value per file, every shape the date and duration parsers know.
i=0
while IFS= read -r v; do
  i=$((i + 1)); printf '%s' "$v" > "corpus/dates/seed-$i"
done < seeds/dates.txt
# rules: each [[rule]] of the default rules as a file of its own (small inputs fuzz faster),
# with the file's threshold lines, plus docs/rules.md's example.
for f in ../rules/*.toml; do
  awk -v out="corpus/rules/$(basename "$f" .toml)" '
    /^\[\[rule\]\]/ { n++; file = out "-" n; print "threshold = 1.0\n[thresholds]\n\"6.6\" = 2.0\n" > file }
    n > 0 { print > file }
  ' "$f"
done
awk '/^```toml/ {on=1; next} /^```/ {on=0} on' ../docs/rules.md > corpus/rules/docs-example
if [ $# -ge 1 ]; then
  target=$1; secs=${2:-900}
  exec cargo +nightly fuzz run "$target" "corpus/$target" -- \
    -jobs=1 -workers=1 -max_total_time="$secs" -print_final_stats=1 -max_len=16384 -timeout=20 \
    -rss_limit_mb=4096 $( [ "$target" = rules ] && echo -dict=rules.dict )
fi
