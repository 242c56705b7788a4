"""csirt-tagger as a stage of a Spark job: tag a directory of ticket exports on a cluster.

    spark-submit examples/spark/tag_job.py --binary target/release/csirt-tagger \
        --input exports/ --out out/ [--partitions 8] [--rules our-rules/] [--catalog FILE]

For every export (CSV or TSV of any flavour csirt-tagger reads, mixed in one directory):

1. On the driver, `csirt-tagger inspect EXPORT --save-profile` decides once how the export is
   read (flavour, encoding, delimiter, day/month order, time unit) and gives its header.
2. Spark reads the rows (its CSV reader, configured from that inspection: multi-line fields,
   the export's delimiter, encoding and quoting), drops the header line, and spreads the rows
   over `--partitions` partitions.
3. Each partition goes through the binary as JSON lines, one array a row (`mapPartitions`
   with a subprocess: see the README for why not `RDD.pipe` or `mapInArrow`):
   `csirt-tagger tag - --header-from HEADER --profile PROFILE --format jsonl
    --report PART.json --rejects PART.csv -j 1`.
   Rows come back as JSON lines, the partial report and the rejected rows after them.
4. The driver writes the tagged rows as Parquet (services, names and rules as arrays, dates
   as timestamps), the rejects as CSV, the partial reports as files, and merges the partials
   with `csirt-tagger report --merge` into report.json and report.html.

The binary, the rules and the catalog travel with the job (SparkContext.addFile), so every
executor tags with the same bytes; the merge refuses partial reports made with other rules,
and the merged report's provenance lists the rules' SHA-256 and every part.
"""

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from pyspark import SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    DoubleType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
)

# What the Parquet keeps of each tagged row (the JSONL fields of `tag --format jsonl`).
TAGGED = StructType(
    [
        StructField("id", StringType()),
        StructField("line", LongType()),
        StructField("title", StringType()),
        StructField("created", StringType()),
        StructField("resolved", StringType()),
        StructField("status", StringType()),
        StructField("time_spent_s", DoubleType()),
        StructField("priority", StringType()),
        StructField("queue", StringType()),
        StructField("columns", ArrayType(ArrayType(StringType()))),
        StructField("services", ArrayType(StringType())),
        StructField("primary_service", StringType()),
        StructField("service_names", ArrayType(StringType())),
        StructField("tag_source", StringType()),
        StructField("matched_rules", ArrayType(StringType())),
        StructField("scores", MapType(StringType(), DoubleType())),
    ]
)


def run(cmd, **kwargs):
    """Runs a command on the driver; fails with its stderr."""
    done = subprocess.run(cmd, capture_output=True, **kwargs)
    if done.returncode != 0:
        sys.exit(
            "%s failed (exit %d):\n%s"
            % (" ".join(cmd), done.returncode, done.stderr.decode(errors="replace"))
        )
    return done


def exports_in(paths):
    """Every file under the given files and directories, sorted: the exports."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            for root, _, files in os.walk(path):
                found += [os.path.join(root, f) for f in files if not f.startswith(".")]
        else:
            found.append(path)
    return sorted(found)


def spark_encoding(info):
    """The Java charset Spark reads the export with: the one csirt-tagger detected."""
    name = info["encoding"]
    if name.upper().startswith("UTF-16") and info.get("bom"):
        return "UTF-16"  # Java's UTF-16 reads the BOM; UTF-16LE would keep it as a character
    return name


def inspect(binary, export, work, index):
    """Inspects one export on the driver: its profile and header files, and how Spark reads it."""
    profile = os.path.join(work, "profile-%d.toml" % index)
    done = run(
        [binary, "-q", "inspect", export, "--format", "json", "--limit", "0",
         "--save-profile", profile]
    )
    info = json.loads(done.stdout)["sources"][0]
    # The header as a file of its own, for --header-from (the export may be huge).
    header = os.path.join(work, "header-%d.csv" % index)
    with open(header, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=info["delimiter"], lineterminator="\n").writerow(info["headers"])
    return {
        "export": export,
        "name": os.path.basename(export),
        "profile": profile,
        "header": header,
        "headers": info["headers"],
        "delimiter": info["delimiter"],
        "quoting": info["quoting"],
        "encoding": spark_encoding(info),
        "tickets": info["counts"]["tickets"],
        "rejected": info["counts"]["rejected"],
    }


def read_rows(spark, source):
    """The export's rows as lists of strings, header lines dropped (Spark's CSV reader)."""
    reader = (
        spark.read.option("header", False)
        .option("multiLine", True)
        .option("sep", source["delimiter"])
        .option("encoding", source["encoding"])
        .option("mode", "PERMISSIVE")
        # A cell is the text between delimiters, spaces included, as csirt-tagger reads it.
        .option("ignoreLeadingWhiteSpace", False)
        .option("ignoreTrailingWhiteSpace", False)
    )
    if source["quoting"]:
        reader = reader.option("quote", '"').option("escape", '"')
    else:
        reader = reader.option("quote", "")  # RT's TSV: a " is data
    header = source["headers"]

    def cells(row):
        values = ["" if v is None else v for v in row]
        if values and values[0].startswith("\ufeff"):
            values[0] = values[0][1:]
        return values

    return (
        reader.csv(source["export"])
        .rdd.map(cells)
        .filter(lambda values: values != header)
    )


def tag_partition(source, tag_args):
    """The function each partition runs: its rows through csirt-tagger, tagged rows out,
    then its partial report and rejects."""
    name, header, profile = source["name"], source["header"], source["profile"]

    def tag(rows):
        binary = SparkFiles.get("csirt-tagger")
        work = tempfile.mkdtemp(prefix="csirt-tagger-part-")
        report = os.path.join(work, "report.json")
        rejects = os.path.join(work, "rejects.csv")
        cmd = [binary, "-q", "tag", "-",
               "--header-from", SparkFiles.get(os.path.basename(header)),
               "--profile", SparkFiles.get(os.path.basename(profile)),
               "--format", "jsonl", "--report", report, "--rejects", rejects,
               "-j", "1"] + tag_args(SparkFiles.get)
        with open(os.path.join(work, "stderr"), "w+b") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
            failure = []

            def feed():
                # Rows go in while tagged rows come out: a partition streams through, it is
                # never held whole in memory.
                try:
                    for row in rows:
                        proc.stdin.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
                except Exception as e:  # noqa: BLE001 - reported below, with stderr
                    failure.append(e)
                finally:
                    proc.stdin.close()

            feeder = threading.Thread(target=feed, daemon=True)
            feeder.start()
            for line in proc.stdout:
                yield ("row", name, line.decode())
            feeder.join()
            code = proc.wait()
            err.seek(0)
            if code != 0 or failure:
                raise RuntimeError(
                    "csirt-tagger failed on a part of %s (exit %d): %s%s"
                    % (name, code, err.read().decode(errors="replace"), failure)
                )
        with open(report, encoding="utf-8") as f:
            yield ("report", name, f.read())
        with open(rejects, encoding="utf-8") as f:
            yield ("rejects", name, f.read())
        shutil.rmtree(work, ignore_errors=True)

    return tag


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True, help="the csirt-tagger executable")
    ap.add_argument("--input", required=True, nargs="+", help="exports, or directories of them")
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--partitions", type=int, default=0,
                    help="partitions per export [default: Spark's default parallelism]")
    ap.add_argument("--rules", action="append", default=[],
                    help="rules file or directory (repeatable) [default: the built-in rules]")
    ap.add_argument("--catalog", help="catalog TOML [default: the built-in FIRST CSIRT 2.1]")
    ap.add_argument("--master", help="Spark master, when not given by spark-submit")
    ap.add_argument("--report-option", action="append", default=[],
                    help="an option for the report (e.g. --period=quarter), given to every part")
    args = ap.parse_args(argv)

    started = time.time()
    builder = SparkSession.builder.appName("csirt-tagger")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.config("spark.ui.enabled", "false").getOrCreate()
    sc = spark.sparkContext
    binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="csirt-tagger-driver-")
    os.makedirs(args.out, exist_ok=True)

    # The binary, rules and catalog travel with the job: every executor tags alike.
    sc.addFile(binary)
    rules = []
    for i, path in enumerate(args.rules):
        sc.addFile(os.path.abspath(path), recursive=os.path.isdir(path))
        rules.append(os.path.basename(os.path.abspath(path)))
    catalog = None
    if args.catalog:
        sc.addFile(os.path.abspath(args.catalog))
        catalog = os.path.basename(args.catalog)
    report_options = list(args.report_option)

    def tag_args(get):
        extra = []
        for r in rules:
            extra += ["--rules", get(r)]
        if catalog:
            extra += ["--catalog", get(catalog)]
        return extra + report_options

    exports = exports_in(args.input)
    if not exports:
        sys.exit("no export under %s" % " ".join(args.input))
    sources = [inspect(binary, e, work, i) for i, e in enumerate(exports)]
    for s in sources:
        sc.addFile(s["profile"])
        sc.addFile(s["header"])
    partitions = args.partitions or sc.defaultParallelism

    parts = None
    for s in sources:
        rows = read_rows(spark, s).repartition(partitions)
        tagged = rows.mapPartitions(tag_partition(s, tag_args))
        parts = tagged if parts is None else parts.union(tagged)
    parts = parts.persist()

    # Tagged rows -> Parquet, typed.
    lines = parts.filter(lambda t: t[0] == "row").map(lambda t: (t[1], t[2]))
    frame = (
        spark.createDataFrame(lines, ["export", "json"])
        .select("export", F.from_json("json", TAGGED).alias("t"))
        .select("export", "t.*")
        .withColumn("created", F.to_timestamp("created"))
        .withColumn("resolved", F.to_timestamp("resolved"))
    )
    parquet = os.path.join(args.out, "tagged.parquet")
    frame.write.mode("overwrite").parquet(parquet)

    # Partial reports and rejects, back on the driver.
    others = parts.filter(lambda t: t[0] != "row").collect()
    part_dir = os.path.join(args.out, "parts")
    shutil.rmtree(part_dir, ignore_errors=True)
    os.makedirs(part_dir)
    reports = []
    reject_rows = []
    for i, (kind, name, text) in enumerate(others):
        if kind == "report":
            path = os.path.join(part_dir, "%s.part-%05d.json" % (name, i))
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            reports.append(path)
        else:
            for row in list(csv.reader(io.StringIO(text)))[1:]:
                reject_rows.append([name] + row)
    with open(os.path.join(args.out, "rejects.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["export", "file", "line", "reason", "raw"])
        w.writerows(reject_rows)

    # One merged report: the report of the whole, whatever the split.
    for fmt in ("json", "html"):
        run([binary, "-q", "report", "--merge"] + reports
            + ["-o", os.path.join(args.out, "report." + fmt)])

    tagged_rows = spark.read.parquet(parquet).count()
    summary = {
        "exports": [{k: s[k] for k in ("export", "tickets", "rejected")} for s in sources],
        "partitions_per_export": partitions,
        "partial_reports": len(reports),
        "tagged_rows": tagged_rows,
        "rejected_rows": len(reject_rows),
        "seconds": round(time.time() - started, 1),
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary, indent=2))
    parts.unpersist()
    spark.stop()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
