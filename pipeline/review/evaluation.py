"""Scoring extractions and cleaning against the hand-labeled gold set.

Spans: strict (same label and offsets) and overlap (same label, one-to-one
overlapping) precision/recall/F1 per label and micro-averaged; value accuracy
on strictly matched spans. Cleaning: precision/recall/F1 of boilerplate lines
removed. Predictions on lines the gold marks `either` are not scored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline.read.sources import ReadError
from pipeline.review.inputs import UnsafePath, clean_file, read_article, read_jsonl
from pipeline.run.outputs import atomic_write_text
from pipeline.settings import LABELS

VALUE_FIELDS = {"MONEY": ("amount", "currency"), "PERCENT": ("value",), "DATE": ("value",),
                "QUANTITY": ("value", "unit")}


@dataclass
class GoldDocument:
    doc: str
    spans: list[dict]
    boilerplate: set[int]
    either: set[int]
    boilerplate_spans: list[tuple[int, int]]


def load_gold(gold_dir: Path) -> dict[str, GoldDocument]:
    """Gold documents keyed by file name (corpus/gold/<name>.jsonl + .lines.json)."""
    out = {}
    for path in sorted(gold_dir.glob("*.jsonl")):
        name = path.name[: -len(".jsonl")]
        spans = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        lines_path = gold_dir / f"{name}.lines.json"
        lines = json.loads(lines_path.read_text(encoding="utf-8")) if lines_path.exists() else {}
        out[name] = GoldDocument(
            doc=name, spans=spans, boilerplate=set(lines.get("boilerplate", [])),
            either=set(lines.get("either", [])),
            boilerplate_spans=[tuple(s) for s in lines.get("boilerplate_spans", [])],
        )
    return out


def _line_of(raw: str, offset: int) -> int:
    return raw.count("\n", 0, offset)


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def _overlap_matches(gold: list[dict], pred: list[dict]) -> list[tuple[dict, dict]]:
    """One-to-one matches of same-label overlapping spans, greedy by overlap size."""
    pairs = []
    for g in gold:
        for p in pred:
            if g["label"] == p["label"] and p["start"] < g["end"] and g["start"] < p["end"]:
                pairs.append((min(g["end"], p["end"]) - max(g["start"], p["start"]), g["start"], p["start"], g, p))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_g, used_p, out = set(), set(), []
    for _, _, _, g, p in pairs:
        if id(g) in used_g or id(p) in used_p:
            continue
        used_g.add(id(g))
        used_p.add(id(p))
        out.append((g, p))
    return out


def value_matches(gold: dict, pred: dict) -> bool | None:
    """Whether the normalized value agrees (None: the label has no value to check)."""
    fields = VALUE_FIELDS.get(gold["label"])
    if not fields:
        return None
    for f in fields:
        g, p = gold.get(f), pred.get(f)
        if isinstance(g, (int, float)) and isinstance(p, (int, float)):
            if abs(g - p) > 1e-6 * max(1.0, abs(g)):
                return False
        elif g != p:
            return False
    return True


def evaluate(corpus: Path, out_dir: Path, labels=LABELS, core_labels=("ORG", "PLACE", "MONEY", "PERCENT")) -> dict:
    """Score out_dir/entities.jsonl and out_dir/clean/ against corpus/gold/.

    Returns:
        {"metrics": flat dict, "errors": list of error records, "per_label": rows,
         "problems": lines naming articles that could not be scored}.
    """
    out_dir = Path(out_dir)

    def sidecar(doc: str) -> dict | None:
        try:
            path = clean_file(out_dir, doc, ".json")
        except UnsafePath:
            return None
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    return score(corpus, load_gold(Path(corpus) / "gold"), read_jsonl(out_dir / "entities.jsonl"),
                 read_jsonl(out_dir / "documents.jsonl"), sidecar, labels, core_labels)


def score(corpus: Path, gold_docs: dict[str, GoldDocument], entities: list[dict], document_records: list[dict],
          sidecar: Callable[[str], dict | None], labels=LABELS,
          core_labels=("ORG", "PLACE", "MONEY", "PERCENT")) -> dict:
    """The scores of one run given as records (what `evaluate` and `pipeline diff` both use).

    Args:
        corpus: the corpus folder (raw articles, read inside it only).
        gold_docs: load_gold's result.
        entities, document_records: the run's entities.jsonl and documents.jsonl records.
        sidecar: doc id -> its clean/ sidecar (None when there is none: cleaning is then not scored).
    """
    predictions: dict[str, list[dict]] = defaultdict(list)
    for rec in entities:
        predictions[rec["doc"]].append(rec)
    documents = {Path(rec["doc"]).name: rec for rec in document_records}
    problems: list[str] = []

    counts = {lab: {"strict": [0, 0, 0], "overlap": [0, 0, 0], "value": [0, 0]} for lab in labels}
    clean_counts = [0, 0, 0]
    errors: list[dict] = []
    for name, gold in gold_docs.items():
        info = documents.get(name)
        if info is None:
            continue
        try:
            raw = read_article(Path(corpus), info).text
        except ReadError as exc:
            problems.append(f"{info.get('path')}: not scored: {exc}")
            continue
        pred = [p for p in predictions.get(info["doc"], []) if _line_of(raw, p["start"]) not in gold.either]
        for label in labels:
            g_l = [g for g in gold.spans if g["label"] == label]
            p_l = [p for p in pred if p["label"] == label]
            g_keys = {(g["start"], g["end"]) for g in g_l}
            p_keys = {(p["start"], p["end"]) for p in p_l}
            tp = len(g_keys & p_keys)
            c = counts[label]["strict"]
            c[0] += tp
            c[1] += len(p_keys - g_keys)
            c[2] += len(g_keys - p_keys)
            matches = _overlap_matches(g_l, p_l)
            o = counts[label]["overlap"]
            o[0] += len(matches)
            o[1] += len(p_l) - len(matches)
            o[2] += len(g_l) - len(matches)
            by_key = {(p["start"], p["end"]): p for p in p_l}
            matched_pred = {id(p) for _, p in matches}
            matched_gold = {id(g) for g, _ in matches}
            for g in g_l:
                p = by_key.get((g["start"], g["end"]))
                if p is not None:
                    ok = value_matches(g, p)
                    if ok is not None:
                        counts[label]["value"][0] += int(ok)
                        counts[label]["value"][1] += 1
                        if not ok:
                            errors.append(_error("wrong value", name, raw, g, p))
                elif id(g) in matched_gold:
                    p2 = next(p for gg, p in matches if gg is g)
                    errors.append(_error("boundary", name, raw, g, p2))
                else:
                    errors.append(_error("missed", name, raw, g, None))
            for p in p_l:
                if (p["start"], p["end"]) not in g_keys and id(p) not in matched_pred:
                    errors.append(_error("spurious", name, raw, None, p))
        _score_cleaning(raw, gold, sidecar(info["doc"]), clean_counts)

    metrics: dict = {}
    rows = []
    for kind in ("strict", "overlap"):
        total = [0, 0, 0]
        core = [0, 0, 0]
        for label in labels:
            tp, fp, fn = counts[label][kind]
            scores = _prf(tp, fp, fn)
            for k in ("precision", "recall", "f1"):
                metrics[f"{label}.{kind}.{k}"] = scores[k]
            total = [a + b for a, b in zip(total, (tp, fp, fn))]
            if label in core_labels:
                core = [a + b for a, b in zip(core, (tp, fp, fn))]
        for prefix, t in (("micro", total), ("core", core)):
            scores = _prf(*t)
            for k in ("precision", "recall", "f1"):
                metrics[f"{prefix}.{kind}.{k}"] = scores[k]
    for label in labels:
        right, n = counts[label]["value"]
        if label in VALUE_FIELDS:
            metrics[f"{label}.value_accuracy"] = round(right / n, 4) if n else None
        tp, fp, fn = counts[label]["strict"]
        rows.append({"label": label, "gold": tp + fn, "predicted": tp + fp,
                     **{f"strict_{k}": metrics[f"{label}.strict.{k}"] for k in ("precision", "recall", "f1")},
                     **{f"overlap_{k}": metrics[f"{label}.overlap.{k}"] for k in ("precision", "recall", "f1")}})
    vr = sum(counts[lab]["value"][0] for lab in VALUE_FIELDS if lab in counts)
    vn = sum(counts[lab]["value"][1] for lab in VALUE_FIELDS if lab in counts)
    metrics["value_accuracy"] = round(vr / vn, 4) if vn else None
    cleaning = _prf(*clean_counts)
    for k in ("precision", "recall", "f1"):
        metrics[f"cleaning.{k}"] = cleaning[k]
    # Grounding coverage over every predicted PLACE / ORG in the outputs.
    all_pred = [p for preds in predictions.values() for p in preds]
    places = [p for p in all_pred if p["label"] == "PLACE"]
    orgs = [p for p in all_pred if p["label"] == "ORG"]
    if places:
        metrics["PLACE.filled_share"] = round(sum(1 for p in places if (p.get("place") or {}).get("level")) / len(places), 4)
        metrics["PLACE.gazetteer_share"] = round(sum(1 for p in places if (p.get("place") or {}).get("id")) / len(places), 4)
    if orgs:
        metrics["ORG.filled_share"] = round(sum(1 for p in orgs if (p.get("org") or {}).get("id")) / len(orgs), 4)
        metrics["ORG.gazetteer_share"] = round(
            sum(1 for p in orgs if not (p.get("org") or {}).get("id", "org:").startswith("org:")) / len(orgs), 4)
    metrics["gold.documents"] = len(gold_docs)
    metrics["gold.spans"] = sum(len(g.spans) for g in gold_docs.values())
    return {"metrics": metrics, "errors": errors, "per_label": rows, "problems": problems}


def _score_cleaning(raw: str, gold: GoldDocument, side: dict | None, counts: list[int]) -> None:
    if side is None:
        return
    lines = raw.split("\n")
    if gold.boilerplate_spans:
        # One-line pages: score characters instead of lines.
        gold_chars = set()
        for s, e in gold.boilerplate_spans:
            gold_chars.update(i for i in range(s, e) if not raw[i].isspace())
        pred_chars = set()
        for s, e, _line, kind in side["blocks"]:
            if kind == "boilerplate":
                pred_chars.update(i for i in range(s, e) if not raw[i].isspace())
        counts[0] += len(gold_chars & pred_chars)
        counts[1] += len(pred_chars - gold_chars)
        counts[2] += len(gold_chars - pred_chars)
        return
    pred = {i for i in side["boilerplate_lines"] if lines[i].strip()} - gold.either
    truth = {i for i in gold.boilerplate if lines[i].strip()} - gold.either
    counts[0] += len(pred & truth)
    counts[1] += len(pred - truth)
    counts[2] += len(truth - pred)


def _sentence(raw: str, start: int, end: int) -> str:
    left = max(raw.rfind("\n", 0, start), raw.rfind(". ", 0, start) + 1, 0)
    right_candidates = [i for i in (raw.find("\n", end), raw.find(". ", end)) if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(raw)
    text = raw[left:start] + "**" + raw[start:end] + "**" + raw[end:right]
    return " ".join(text.split())[:400]


def _error(kind: str, doc: str, raw: str, gold: dict | None, pred: dict | None) -> dict:
    anchor = gold or pred
    return {"kind": kind, "doc": doc, "label": anchor["label"],
            "gold": {k: v for k, v in (gold or {}).items() if k != "doc"} or None,
            "pred": {k: v for k, v in (pred or {}).items() if k != "doc"} or None,
            "sentence": _sentence(raw, anchor["start"], anchor["end"])}


PER_LABEL_COLUMNS = ("label", "gold", "predicted", "strict_precision", "strict_recall", "strict_f1",
                     "overlap_precision", "overlap_recall", "overlap_f1")
SUMMARY_COLUMNS = ("strict_precision", "strict_recall", "strict_f1", "overlap_precision", "overlap_recall",
                   "overlap_f1", "value_accuracy")


def per_label_table(result: dict):
    """per_label.csv as a pandas DataFrame: one row per label, counts and strict / overlap scores."""
    import pandas as pd

    return pd.DataFrame(result["per_label"], columns=list(PER_LABEL_COLUMNS))


def summary_table(metrics: dict, labels=LABELS):
    """The metrics summary as a DataFrame indexed by label (then core, micro): P / R / F1 and value accuracy."""
    import pandas as pd

    groups = [g for g in (*labels, "core", "micro") if f"{g}.strict.f1" in metrics]
    rows = []
    for g in groups:
        value_key = "value_accuracy" if g == "micro" else f"{g}.value_accuracy"
        rows.append([metrics.get(f"{g}.{kind}.{k}") for kind in ("strict", "overlap")
                     for k in ("precision", "recall", "f1")] + [metrics.get(value_key)])
    table = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS), index=pd.Index(groups, name="label"), dtype="float64")
    return table


def to_csv(table, index: bool = False) -> str:
    """A DataFrame as CSV text, the same bytes on every run (fixed line ending, shortest float repr)."""
    return table.to_csv(index=index, lineterminator="\n")


def write_reports(result: dict, out_dir: Path) -> None:
    """metrics.json (flat, for `dvc metrics`), per_label.csv (`dvc plots`), errors.md."""
    atomic_write_text(out_dir / "metrics.json", json.dumps(result["metrics"], indent=2, sort_keys=True) + "\n")
    atomic_write_text(out_dir / "per_label.csv", to_csv(per_label_table(result)))
    atomic_write_text(out_dir / "errors.md", errors_markdown(result))


def errors_markdown(result: dict) -> str:
    m = result["metrics"]
    lines = ["# Extraction errors against the gold set", "",
             f"core strict micro F1 {m['core.strict.f1']:.3f}, all labels {m['micro.strict.f1']:.3f}; "
             f"value accuracy {m['value_accuracy']}; cleaning F1 {m['cleaning.f1']:.3f}", ""]
    order = {"missed": 0, "spurious": 1, "boundary": 2, "wrong value": 3}
    errs = sorted(result["errors"], key=lambda e: (e["label"], order[e["kind"]], e["doc"],
                                                   (e["gold"] or e["pred"])["start"]))
    current = None
    for e in errs:
        if e["label"] != current:
            current = e["label"]
            lines += ["", f"## {current}", ""]
        g, p = e["gold"], e["pred"]
        if e["kind"] == "missed":
            what = f"missed `{g['text']}`"
        elif e["kind"] == "spurious":
            what = f"spurious `{p['text']}`"
        elif e["kind"] == "boundary":
            what = f"boundary: gold `{g['text']}`, got `{p['text']}`"
        else:
            what = f"wrong value for `{g['text']}`: gold {_values(g)}, got {_values(p)}"
        lines.append(f"- {e['doc']}: {what} — {e['sentence']}")
    return "\n".join(lines) + "\n"


def _values(rec: dict) -> str:
    keys = ("amount", "amount_max", "currency", "value", "value_max", "qualifier")
    return "{" + ", ".join(f"{k}={rec[k]}" for k in keys if k in rec) + "}"
