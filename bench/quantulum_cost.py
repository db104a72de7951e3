"""What reading QUANTITY values with quantulum3 costs (not part of the test suite).

    .venv/bin/python bench/quantulum_cost.py [--repeat 5] [--json PATH]

Each repeat runs in a fresh subprocess (so imports are cold in the process,
warm in the OS file cache) and times, with time.perf_counter:

  import        `from quantulum3 import load, parser` (inflect, num2words and
                quantulum3's own modules);
  load units    quantulum3's unit and entity tables with the project's custom
                units (models/units/custom_units.json) and models/units/si.yml;
  first parse   the first `parse` call, which builds quantulum3's regexes;
  per span      mean of read_quantity() (parse + SI factor) over every gold
                QUANTITY span text, after the first;
  per document  read_quantity() time summed over the QUANTITY spans of each
                gold document that has any, mean over those documents.

Medians over the repeats are printed, with the inflect version in use (inflect
7 made the first parse several times slower; the project pins inflect<6). To
compare, make a throwaway venv with quantulum3, another inflect and PyYAML and
pass its interpreter as --python.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, sys, time, warnings
from collections import defaultdict
from pathlib import Path
root = Path(sys.argv[1])
spans = defaultdict(list)
for path in sorted((root / "corpus" / "gold").glob("*.jsonl")):
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["label"] == "QUANTITY":
            spans[rec["doc"]].append(rec["text"])
# pipeline/components/units.py alone (it needs only PyYAML), so that an environment
# with just quantulum3 and its inflect can be compared (--python).
import importlib.util
spec = importlib.util.spec_from_file_location("units", root / "pipeline" / "components" / "units.py")
units_module = sys.modules["units"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(units_module)
load_quantulum, read_quantity = units_module.load_quantulum, units_module.read_quantity
t0 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from quantulum3 import load, parser
t1 = time.perf_counter()
units = root / "models" / "units"
load_quantulum(str(units))
t2 = time.perf_counter()
read_quantity("160 metric tons", units)
t3 = time.perf_counter()
per_span, per_doc = [], []
for doc, texts in sorted(spans.items()):
    start = time.perf_counter()
    for text in texts:
        s = time.perf_counter()
        read_quantity(text, units)
        per_span.append(time.perf_counter() - s)
    per_doc.append(time.perf_counter() - start)
from importlib.metadata import version
print(json.dumps({"import_s": t1 - t0, "load_units_s": t2 - t1, "first_parse_s": t3 - t2,
                  "per_span_ms": 1000 * sum(per_span) / len(per_span),
                  "per_document_ms": 1000 * sum(per_doc) / len(per_doc),
                  "spans": len(per_span), "documents": len(per_doc),
                  "inflect": version("inflect"), "quantulum3": version("quantulum3")}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--python", default=sys.executable, help="interpreter of the environment to measure")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    runs = []
    for _ in range(args.repeat):
        out = subprocess.run([args.python, "-c", PROBE, str(ROOT)], capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"probe failed under {args.python}:\n{out.stderr}")
        runs.append(json.loads(out.stdout))
    keys = ("import_s", "load_units_s", "first_parse_s", "per_span_ms", "per_document_ms")
    median = {k: statistics.median(r[k] for r in runs) for k in keys}
    first = runs[0]
    print(f"quantulum3 {first['quantulum3']}, inflect {first['inflect']}; median of {args.repeat} fresh processes; "
          f"{first['spans']} gold QUANTITY spans in {first['documents']} documents")
    print(f"  import         {median['import_s']:.3f} s")
    print(f"  load units     {median['load_units_s']:.3f} s")
    print(f"  first parse    {median['first_parse_s']:.3f} s")
    print(f"  once/process   {median['import_s'] + median['load_units_s'] + median['first_parse_s']:.3f} s")
    print(f"  per span       {median['per_span_ms']:.2f} ms")
    print(f"  per document   {median['per_document_ms']:.2f} ms (documents with a QUANTITY span)")
    if args.json:
        args.json.write_text(json.dumps({"median": median, "runs": runs}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
