#!/usr/bin/env python3
"""Rename gold QUANTITY units to quantulum3's unit names (one unit vocabulary).

The table is models/units/vocabulary.yml read backwards: a gold unit string
that is one of a unit's forms ("metric ton", "square meter", "kilometer")
becomes that unit's quantulum3 name ("tonne", "square metre", "kilometre").
Only the `unit` field of QUANTITY lines changes; values, offsets and every
other byte stay. Prints each conversion; fails on a unit it cannot map.

    .venv/bin/python scripts/convert_gold_units.py          # rewrite corpus/gold/*.jsonl
    .venv/bin/python scripts/convert_gold_units.py --check  # exit 1 if any gold unit is not canonical
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.components.lexicon import load_units  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--gold", type=Path, default=ROOT / "corpus" / "gold")
    args = ap.parse_args()
    forms = load_units(ROOT / "models" / "units")
    canonical = set(forms.values())
    changed: Counter = Counter()
    unknown = []
    for path in sorted(args.gold.glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").split("\n")
        out = []
        for line in lines:
            rec = json.loads(line) if line.strip() else None
            if rec and rec.get("label") == "QUANTITY" and rec.get("unit") not in canonical:
                old = rec.get("unit")
                new = forms.get(old)
                if new is None:
                    unknown.append(f"{path.name}: {rec.get('text')!r} unit {old!r}")
                else:
                    old_field = '"unit": ' + json.dumps(old, ensure_ascii=False)
                    assert line.count(old_field) == 1, line
                    line = line.replace(old_field, '"unit": ' + json.dumps(new, ensure_ascii=False))
                    changed[(path.name, rec["text"], old, new)] += 1
            out.append(line)
        if not args.check:
            path.write_text("\n".join(out), encoding="utf-8")
    for (name, text, old, new), n in sorted(changed.items()):
        print(f"{name}\t{text!r}\t{old} -> {new}" + (f" (x{n})" if n > 1 else ""))
    for line in unknown:
        print(f"no quantulum3 unit for {line}", file=sys.stderr)
    print(f"{sum(changed.values())} unit strings {'to convert' if args.check else 'converted'}", file=sys.stderr)
    return 1 if unknown or (args.check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
