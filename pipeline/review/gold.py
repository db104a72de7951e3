"""The hand-labeled gold set: validation (`pipeline gold check`)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.read.sources import ReadError, discover, load
from pipeline.settings import LABELS


def check_gold(corpus: Path) -> list[str]:
    """Problems in corpus/gold/, one line each naming the file (empty: all good).

    Checks: JSON per line, known labels, raw[start:end] == text against the
    raw article, sorted by start, no overlaps, line indices in range, and a
    gold file for every article.
    """
    problems: list[str] = []
    gold_dir = corpus / "gold"
    articles = {Path(s.relpath).stem: s for s in discover(corpus)}
    for name in sorted(articles):
        if not (gold_dir / f"{name}.jsonl").exists():
            problems.append(f"{name}: no gold file {gold_dir / (name + '.jsonl')}")
    for path in sorted(gold_dir.glob("*.jsonl")):
        name = path.name[: -len(".jsonl")]
        source = articles.get(name)
        if source is None:
            problems.append(f"{path}: no article named {name} in {corpus}")
            continue
        try:
            raw = load(source).text  # decoded as the pipeline decodes it, so offsets agree
        except ReadError as exc:
            problems.append(f"{source.relpath}: {exc}")
            continue
        previous_end, previous_start = -1, -1
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            where = f"{path}:{number}"
            try:
                span = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON ({exc.msg})")
                continue
            start, end, label, text = span.get("start"), span.get("end"), span.get("label"), span.get("text")
            if label not in LABELS:
                problems.append(f"{where}: unknown label {label!r}")
            if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(raw):
                problems.append(f"{where}: bad offsets {start}..{end}")
                continue
            if raw[start:end] != text:
                problems.append(f"{where}: raw[{start}:{end}] is {raw[start:end]!r}, not {text!r}")
            if start < previous_start:
                problems.append(f"{where}: not sorted by start")
            if start < previous_end:
                problems.append(f"{where}: overlaps the previous span")
            previous_start, previous_end = start, max(end, previous_end)
        lines_path = gold_dir / f"{name}.lines.json"
        if lines_path.exists():
            lines = json.loads(lines_path.read_text(encoding="utf-8"))
            n = len(raw.split("\n"))
            for key in ("boilerplate", "either"):
                bad = [i for i in lines.get(key, []) if not 0 <= i < n]
                if bad:
                    problems.append(f"{lines_path}: {key} line numbers out of range: {bad}")
        else:
            problems.append(f"{name}: no cleaning gold {lines_path}")
    return problems


# Normalized fields a span needs (ANNOTATION.md); DATE is not here because a
# relative date with nothing to resolve against rightly has no value.
REQUIRED_VALUES = {"MONEY": ("amount", "currency"), "PERCENT": ("value",)}


def gold_warnings(corpus: Path) -> list[str]:
    """Spans in corpus/gold/ still missing normalized values, one line each.

    A MONEY span without `amount` or `currency`, a PERCENT span without
    `value`: typically spans added in Label Studio (`pipeline gold import`),
    whose values must be written by hand. Warnings, not problems: separate
    from `check_gold`, which they do not change. Lines that are not JSON are
    left to `check_gold`.
    """
    warnings: list[str] = []
    for path in sorted((corpus / "gold").glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                span = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(span, dict):
                continue
            missing = [f for f in REQUIRED_VALUES.get(span.get("label"), ()) if f not in span]
            if missing:
                warnings.append(f"{path}:{number}: {span.get('label')} {span.get('text')!r} has no "
                                f"{' or '.join(missing)}; add it by hand (ANNOTATION.md, normalized values)")
    return warnings
