"""Checks the Spark job's output against single runs of csirt-tagger (examples/spark/test.sh).

- The merged report equals the single run's report of the same exports (provenance aside).
- Per export, the tickets in the Parquet are those of `tag` on the whole export, each once,
  with the same tags; and the rows the job rejected are the rows the single run rejects.
Exits 1 with what differs.
"""

import argparse
import collections
import csv
import json
import os
import sys

import pyarrow.parquet as pq


def without_provenance(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    provenance = report.pop("provenance")
    return report, provenance


def first_difference(a, b, path=""):
    if type(a) is not type(b):
        return "%s: %r | %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s/%s: only in %s" % (path, k, "the job's" if k in b else "the single run's")
            d = first_difference(a[k], b[k], path + "/" + k)
            if d:
                return d
    elif isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items | %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
    elif a != b:
        return "%s: %r | %r" % (path, a, b)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--single-report", required=True)
    ap.add_argument("--single-tagged", required=True)
    args = ap.parse_args()
    failures = []

    single, _ = without_provenance(args.single_report)
    merged, provenance = without_provenance(os.path.join(args.out, "report.json"))
    d = first_difference(single, merged)
    if d:
        failures.append("the merged report differs from the single run's: " + d)
    with open(os.path.join(args.out, "summary.json")) as f:
        summary = json.load(f)
    parts = len(provenance.get("merged_from", []))
    if parts != summary["partial_reports"]:
        failures.append("the merged report names %d parts, the job made %d"
                        % (parts, summary["partial_reports"]))

    table = pq.read_table(os.path.join(args.out, "tagged.parquet"),
                          columns=["export", "id", "services", "primary_service"])
    job = collections.defaultdict(collections.Counter)
    for export, id_, services, primary in zip(*(table.column(c).to_pylist() for c in table.column_names)):
        job[export][(id_, tuple(services or []), primary)] += 1
    rejects = collections.Counter()
    with open(os.path.join(args.out, "rejects.csv"), encoding="utf-8") as f:
        for row in list(csv.reader(f))[1:]:
            rejects[row[0]] += 1

    tickets = 0
    for source in summary["exports"]:
        name = os.path.basename(source["export"])
        single_rows = collections.Counter()
        with open(os.path.join(args.single_tagged, name + ".jsonl"), encoding="utf-8") as f:
            for line in f:
                t = json.loads(line)
                single_rows[(t["id"], tuple(t["services"]), t["primary_service"])] += 1
        tickets += sum(single_rows.values())
        if job[name] != single_rows:
            lost = single_rows - job[name]
            extra = job[name] - single_rows
            failures.append("%s: %d tickets of the single run missing or tagged otherwise in the "
                            "job (%s), %d extra (%s)"
                            % (name, sum(lost.values()), list(lost)[:3], sum(extra.values()),
                               list(extra)[:3]))
        if rejects[name] != source["rejected"]:
            failures.append("%s: %d rows rejected by the job, %d by the single run"
                            % (name, rejects[name], source["rejected"]))
    if summary["tagged_rows"] != tickets:
        failures.append("%d rows in the Parquet, %d tickets in the single runs"
                        % (summary["tagged_rows"], tickets))
    if failures:
        print("\n".join("FAIL " + f for f in failures))
        sys.exit(1)
    print("ok: %d exports, %d tickets, each once with the single run's tags; %d partial reports "
          "merged into the single run's report" % (len(summary["exports"]), tickets, parts))


if __name__ == "__main__":
    main()
