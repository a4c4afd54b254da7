#!/usr/bin/env python3
"""Check minsheng's JSON and receipts with the executable contract of
DESIGN.md (shared/tools/contract.py; tests/contract/ holds a copy for a clone
without shared/ beside it).

    contract_check.py results INGEST.json
    contract_check.py status STATUS.json
    contract_check.py catalog CATALOG.json
    contract_check.py receipts WANT.json NOW   # WANT: {"new": [...], "want": {...}}

Prints each problem; exits 1 if there is any.
"""
import datetime as dt
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
shared = os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "tools"))
sys.path.insert(0, shared if os.path.exists(os.path.join(shared, "contract.py"))
                else os.path.join(here, "..", "contract"))

import contract as c  # noqa: E402


def main():
    mode, path = sys.argv[1], sys.argv[2]
    problems = []
    if mode == "results":
        for r in json.load(open(path, encoding="utf-8"))["results"]:
            problems += [f"{r.get('file')}: {p}" for p in c.result_problems(r)]
    elif mode == "status":
        doc = json.load(open(path, encoding="utf-8"))
        problems += c.fields_missing(doc["indicators"], c.STATUS_FIELDS, "indicator")
        problems += c.fields_missing(doc["departments"], c.DEPARTMENT_FIELDS, "department")
        tp = doc["time_progress"]
        if abs(tp - c.time_progress(doc["period"])) > 1e-9:
            problems.append(f"time_progress {tp} != {c.time_progress(doc['period'])}")
        for i in doc["indicators"]:
            if i["status"] not in c.STATUSES:
                problems.append(f"{i['code']}: status {i['status']!r}")
            if i["value"] is None:
                if i["status"] != "未报送":
                    problems.append(f"{i['code']}: no value but {i['status']}")
                continue
            p = c.progress_of(i["value"], i["target"], i.get("baseline"))
            if p is None or not c.same(p, i["progress"]):
                problems.append(f"{i['code']}: progress {i['progress']} != {p}")
            want = c.expected_status(p, tp) if p is not None else None
            if want is not None and want != i["status"]:
                problems.append(f"{i['code']}: status {i['status']} != {want}")
    elif mode == "catalog":
        doc = json.load(open(path, encoding="utf-8"))
        problems += c.fields_missing(doc["tasks"], c.TASK_FIELDS, "task")
        for t in doc["tasks"]:
            problems += c.fields_missing(t["indicators"], c.INDICATOR_FIELDS, "indicator")
    elif mode == "receipts":
        spec = json.load(open(path, encoding="utf-8"))
        now = dt.datetime.fromisoformat(sys.argv[3])
        problems += c.receipt_problems(spec["new"], spec["want"], now)
    else:
        sys.exit(f"unknown mode {mode}")
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
