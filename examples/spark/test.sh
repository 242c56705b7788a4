#!/usr/bin/env bash
# The Spark example, end to end, in Spark local mode: installs what it needs (pyspark and
# pyarrow into a virtual environment; a Java runtime from Debian's packages when there is
# none), runs examples/spark/tag_job.py with several partitions per export, and checks that
#   - the merged report equals `csirt-tagger report` of the same exports (JSON, provenance
#     aside), exactly;
#   - no ticket is lost or counted twice: per export, the ids in the Parquet are the ids of
#     `csirt-tagger tag` on the whole export, each once, and tagged + rejected = rows read;
#   - every tag in the Parquet is the tag of the single run.
#
#   examples/spark/test.sh [--small] [--tickets N] [--cores C] [--partitions P] [--bin PATH]
#
#   --small        the fixtures only (what CI runs: about 2 minutes, most of it Spark's start)
#   --tickets N    the generated Jira export's size [default: 200000]
#   --cores C      Spark local[C] [default: 2]
#   --partitions P partitions per export [default: 4]
#   --bin PATH     the csirt-tagger binary [default: build target/release/csirt-tagger]
#
# Work files go to target/spark-test (the virtual environment is kept there for next time).
set -euo pipefail
cd "$(dirname "$0")/../.."

small=false
tickets=200000
cores=2
partitions=4
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --small) small=true ;;
    --tickets) tickets="$2"; shift ;;
    --cores) cores="$2"; shift ;;
    --partitions) partitions="$2"; shift ;;
    --bin) bin="$2"; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

target="${CARGO_TARGET_DIR:-target}"
work=target/spark-test
mkdir -p "$work"

echo "== Java"
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
      --no-install-recommends openjdk-17-jre-headless >/dev/null
  else
    echo "no java, and cannot install it here (not root, or no apt-get)" >&2
    exit 1
  fi
fi
java -version 2>&1 | head -1

echo "== pyspark"
venv="$work/venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyspark, pyarrow' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r examples/spark/requirements.txt
fi
"$venv/bin/python" -c 'import pyspark; print("pyspark", pyspark.__version__)'

echo "== csirt-tagger"
if [ -z "$bin" ]; then
  cargo build --release --locked --quiet
  bin="$target/release/csirt-tagger"
fi
"$bin" --version

# The exports Spark's CSV reader reads as csirt-tagger does (UTF-8 and windows-1252, quoted
# or RT's TSV); mixed flavours in one directory.
inputs="$work/exports"
rm -rf "$inputs"
mkdir -p "$inputs"
for f in jira/all-fields.csv jira/current-fields-bom.csv otrs/ticket_search_de.csv \
         servicenow/sn_si_incident.csv zammad/tickets.csv thehive/cases.csv \
         generic/excel_de.csv rt/Results.tsv; do
  cp "fixtures/exports/$f" "$inputs/$(echo "$f" | tr / -)"
done
cp fixtures/labelled/many-hands/tune/otrs.csv "$inputs/many-hands-otrs.csv"
if ! $small; then
  echo "== a generated Jira export of $tickets tickets"
  cargo build --release --locked --quiet --example gen
  "$target/release/examples/gen" export --flavour jira --tickets "$tickets" --seed 18 \
    > "$inputs/jira-$tickets.csv"
fi

export PYSPARK_PYTHON="$PWD/$venv/bin/python"
run_job() { # $1: output dir, $2: cores
  "$venv/bin/python" examples/spark/tag_job.py --master "local[$2]" --binary "$bin" \
    --input "$inputs" --out "$1" --partitions "$partitions" 2> "$1.log" \
    || { tail -50 "$1.log" >&2; exit 1; }
}

echo "== the Spark job, local[$cores], $partitions partitions per export"
out="$work/out"
rm -rf "$out"
mkdir -p "$out"
run_job "$out" "$cores" > "$work/summary.txt"
cat "$work/summary.txt"

echo "== the single run, for comparison"
"$bin" -q report "$inputs"/* -o "$work/single.json"
singles="$work/single"
rm -rf "$singles"
mkdir -p "$singles"
for f in "$inputs"/*; do
  "$bin" -q tag "$f" -o "$singles/$(basename "$f").jsonl"
done

echo "== checks"
"$venv/bin/python" examples/spark/check.py --out "$out" --single-report "$work/single.json" \
  --single-tagged "$singles"

if ! $small; then
  echo "== figures: one export, $tickets tickets: tag alone, then the job with 1 and 2 cores"
  big="$inputs/jira-$tickets.csv"
  one="$work/one"
  rm -rf "$one"
  mkdir -p "$one"
  cp "$big" "$one/"
  start=$(date +%s.%N)
  "$bin" -q tag -j 1 "$big" -o "$work/alone.jsonl" --format jsonl
  alone1=$("$venv/bin/python" -c "print($(date +%s.%N) - $start)")
  start=$(date +%s.%N)
  "$bin" -q tag -j 2 "$big" -o "$work/alone.jsonl" --format jsonl
  alone2=$("$venv/bin/python" -c "print($(date +%s.%N) - $start)")
  rm -f "$work/alone.jsonl"
  for c in 1 2; do
    rm -rf "$work/fig$c"
    mkdir -p "$work/fig$c"
    inputs="$one" run_job "$work/fig$c" "$c" > /dev/null
  done
  # The cost of a partition: one small export in 1 and in 33 partitions, at local[2].
  small="$work/small"
  rm -rf "$small"
  mkdir -p "$small"
  cp fixtures/exports/jira/all-fields.csv "$small/"
  for p in 1 33; do
    rm -rf "$work/parts$p"
    mkdir -p "$work/parts$p"
    inputs="$small" partitions=$p run_job "$work/parts$p" 2 > /dev/null
  done
  "$venv/bin/python" - "$tickets" "$alone1" "$alone2" "$work/fig1" "$work/fig2" \
    "$work/parts1" "$work/parts33" <<'EOF'
import json, sys
n = int(sys.argv[1])
alone1, alone2 = float(sys.argv[2]), float(sys.argv[3])
seconds = lambda d: json.load(open(d + "/summary.json"))["seconds"]
job = [seconds(d) for d in sys.argv[4:6]]
print("| run | seconds | tickets/s |")
print("| --- | ---: | ---: |")
for name, s in [("tag -j 1", alone1), ("tag -j 2", alone2),
                ("Spark local[1]", job[0]), ("Spark local[2]", job[1])]:
    print("| %s | %.1f | %.0f |" % (name, s, n / s))
one, many = seconds(sys.argv[6]), seconds(sys.argv[7])
print("overhead per partition at local[2]: %.2f s of wall time (%.1f s with 1 partition, "
      "%.1f s with 33, 12 tickets)" % ((many - one) / 32, one, many))
EOF
fi
echo "== ok"
