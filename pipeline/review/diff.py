"""Comparing two extraction runs: what a change found, lost or changed, and whether it helped.

Each side is an output folder or a git revision (its committed
``outputs/entities.jsonl``, ``documents.jsonl`` and ``metrics.json``, read with
``git show``). Spans are matched per document by their raw offsets, which do
not move when cleaning changes:

- same (start, end): ``relabeled`` if the label differs, else ``value changed``
  if a normalized value differs;
- overlapping, different boundaries: ``boundary moved`` (one-to-one, same label
  and larger overlap first);
- otherwise ``added`` / ``removed``.

With a gold set each change is tagged ``fixes gold`` (NEW matches a gold span
exactly, label and offsets, and OLD did not), ``breaks gold`` (the reverse) or
``not in gold``. A span both sides match exactly whose value changed is tagged
by the value instead (``fixes gold`` / ``breaks gold`` when it now agrees /
no longer agrees with the gold value, else ``gold unchanged``); documents the
gold set does not cover are tagged ``no gold``.

Everything here returns data or text; the CLI prints it.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.settings import LABELS

ENTITIES = "entities.jsonl"
DOCUMENTS = "documents.jsonl"
METRICS = "metrics.json"
VALUE_FIELDS = ("amount", "amount_max", "currency", "qualifier", "value", "value_max", "unit")
DOCUMENT_FIELDS = ("status", "title", "published", "outlet", "words", "lines_removed")
KINDS = ("added", "removed", "relabeled", "boundary moved", "value changed")
CHANGED_KINDS = ("relabeled", "boundary moved", "value changed")
FIXES, BREAKS, NOT_IN_GOLD, GOLD_UNCHANGED, NO_GOLD = (
    "fixes gold", "breaks gold", "not in gold", "gold unchanged", "no gold")
ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
CONTEXT_CHARS = 200


class DiffError(Exception):
    """A side that cannot be read (neither a folder nor a revision, git failure...)."""


# --------------------------------------------------------------------------- loading a side


@dataclass
class Side:
    spec: str                      # what the user gave: a folder or a revision
    kind: str                      # "folder" or "git"
    location: str                  # the folder, or "REV:outputs"
    entities: list[dict] | None    # None: no entities.jsonl on this side
    documents: list[dict] | None
    metrics: dict | None


def _parse_jsonl(text: str, where: str) -> list[dict]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DiffError(f"{where}:{n}: not JSON ({exc.msg})") from None
    return out


def _parse_json(text: str, where: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DiffError(f"{where}: not JSON ({exc.msg})") from None


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    except FileNotFoundError:
        raise DiffError("git is not installed") from None


def is_revision(spec: str, cwd: Path | str = ".") -> bool:
    """Whether `spec` names a commit in the repository containing `cwd`."""
    if spec.startswith("-"):
        return False
    try:
        result = _git(["rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"], Path(cwd))
    except DiffError:
        return False
    return result.returncode == 0


def _git_path(outputs: str, name: str, cwd: Path) -> str:
    """A path for `git show REV:PATH`: relative to `cwd` (./...) unless outside it."""
    path = Path(outputs)
    if path.is_absolute():
        top = _git(["rev-parse", "--show-toplevel"], cwd)
        if top.returncode != 0:
            raise DiffError(f"{cwd}: not inside a git repository")
        root = Path(top.stdout.decode().strip()).resolve()
        try:
            return (path.resolve() / name).relative_to(root).as_posix()
        except ValueError:
            raise DiffError(f"{outputs}: not inside the repository {root}") from None
    return "./" + (PurePosixPath(path.as_posix()) / name).as_posix()


def _git_show(rev: str, path: str, cwd: Path) -> str | None:
    """A committed file's text, or None when the revision does not have it."""
    result = _git(["show", f"{rev}:{path}"], cwd)
    if result.returncode == 0:
        return result.stdout.decode("utf-8")
    message = result.stderr.decode("utf-8", "replace")
    if "does not exist" in message or "exists on disk, but not in" in message:
        return None
    raise DiffError(f"git show {rev}:{path}: {message.strip().splitlines()[-1] if message.strip() else 'failed'}")


def load_side(spec: str, outputs: str = "outputs", cwd: Path | str = ".") -> Side:
    """Read one side: `spec` is an output folder (if it exists) or a git revision.

    Args:
        spec: a folder path (relative to `cwd`) or a revision such as `main`, `HEAD~1`, a sha.
        outputs: the outputs folder inside a revision (relative to `cwd`).
        cwd: the working directory (the repository is the one containing it).
    """
    cwd = Path(cwd)
    folder = Path(spec) if Path(spec).is_absolute() else cwd / spec
    if folder.is_dir():
        def read(name: str) -> str | None:
            path = folder / name
            return path.read_text(encoding="utf-8") if path.is_file() else None
        kind, location = "folder", str(spec)
    elif is_revision(spec, cwd):
        def read(name: str) -> str | None:
            return _git_show(spec, _git_path(outputs, name, cwd), cwd)
        kind, location = "git", f"{spec}:{outputs}"
    else:
        raise DiffError(f"{spec}: neither an output folder nor a git revision")
    entities, documents, metrics = read(ENTITIES), read(DOCUMENTS), read(METRICS)
    if entities is None and documents is None and metrics is None:
        raise DiffError(f"{location}: no {ENTITIES}, {DOCUMENTS} or {METRICS} to compare")
    return Side(
        spec=spec, kind=kind, location=location,
        entities=_parse_jsonl(entities, f"{location}/{ENTITIES}") if entities is not None else None,
        documents=_parse_jsonl(documents, f"{location}/{DOCUMENTS}") if documents is not None else None,
        metrics=_parse_json(metrics, f"{location}/{METRICS}") if metrics is not None else None,
    )


# --------------------------------------------------------------------------- matching spans


@dataclass
class Change:
    doc: str
    kind: str
    old: dict | None
    new: dict | None
    details: list[str] = field(default_factory=list)
    gold: str | None = None
    context: tuple[str, str, str] | None = None  # text before, the span, text after

    @property
    def label(self) -> str:
        return (self.new or self.old)["label"]

    @property
    def text(self) -> str:
        return (self.new or self.old)["text"]

    @property
    def start(self) -> int:
        return min(e["start"] for e in (self.old, self.new) if e is not None)

    @property
    def sentence(self) -> str | None:
        if self.context is None:
            return None
        before, span, after = self.context
        return f"{before}**{span}**{after}"

    def sort_key(self) -> tuple:
        end = min(e["end"] for e in (self.old, self.new) if e is not None)
        return (self.doc, self.start, end, KINDS.index(self.kind))

    def to_json(self) -> dict:
        strip = lambda e: None if e is None else {k: v for k, v in e.items() if k != "doc"}  # noqa: E731
        return {"doc": self.doc, "kind": self.kind, "label": self.label, "text": self.text,
                "start": (self.new or self.old)["start"], "end": (self.new or self.old)["end"],
                "old": strip(self.old), "new": strip(self.new), "details": self.details,
                "gold": self.gold, "sentence": self.sentence}


def _fmt(value) -> str:
    return "none" if value is None else str(value)


def value_differences(old: dict, new: dict) -> list[str]:
    """`field old -> new` for each normalized value field that differs."""
    out = []
    for name in VALUE_FIELDS:
        a, b = old.get(name), new.get(name)
        if a != b:
            out.append(f"{name} {_fmt(a)} -> {_fmt(b)}")
    return out


def _overlap(a: dict, b: dict) -> int:
    return min(a["end"], b["end"]) - max(a["start"], b["start"])


def match_document(doc: str, old: list[dict], new: list[dict]) -> list[Change]:
    """The changes between one document's OLD and NEW entities (matched by raw offsets)."""
    changes: list[Change] = []
    by_offsets: dict[tuple[int, int], list[dict]] = {}
    for e in new:
        by_offsets.setdefault((e["start"], e["end"]), []).append(e)
    rest_old, used_new = [], set()
    # 1. same offsets: the same span (same label paired first when a span is duplicated).
    for o in sorted(old, key=lambda e: (e["start"], e["end"])):
        candidates = [n for n in by_offsets.get((o["start"], o["end"]), []) if id(n) not in used_new]
        if not candidates:
            rest_old.append(o)
            continue
        n = next((c for c in candidates if c["label"] == o["label"]), candidates[0])
        used_new.add(id(n))
        values = value_differences(o, n)
        if o["label"] != n["label"]:
            changes.append(Change(doc, "relabeled", o, n, [f"{o['label']} -> {n['label']}", *values]))
        elif values:
            changes.append(Change(doc, "value changed", o, n, values))
    rest_new = [n for n in new if id(n) not in used_new]
    # 2. overlapping spans with other boundaries, one-to-one: same label, then larger overlap first.
    pairs = sorted(
        ((o["label"] != n["label"], -_overlap(o, n), o["start"], n["start"], i, j)
         for i, o in enumerate(rest_old) for j, n in enumerate(rest_new) if _overlap(o, n) > 0))
    paired_old, paired_new = set(), set()
    for *_, i, j in pairs:
        if i in paired_old or j in paired_new:
            continue
        paired_old.add(i)
        paired_new.add(j)
        o, n = rest_old[i], rest_new[j]
        details = [f"`{o['text']}` -> `{n['text']}` ({o['start']}-{o['end']} -> {n['start']}-{n['end']})"]
        if o["label"] != n["label"]:
            details.append(f"{o['label']} -> {n['label']}")
        changes.append(Change(doc, "boundary moved", o, n, details + value_differences(o, n)))
    # 3. the rest.
    changes += [Change(doc, "removed", o, None) for i, o in enumerate(rest_old) if i not in paired_old]
    changes += [Change(doc, "added", None, n) for j, n in enumerate(rest_new) if j not in paired_new]
    return sorted(changes, key=Change.sort_key)


def _by_doc(entities: list[dict] | None) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in entities or []:
        out.setdefault(e["doc"], []).append(e)
    return out


def diff_entities(old: list[dict] | None, new: list[dict] | None) -> list[Change]:
    """All changes, sorted by (doc, start)."""
    old_docs, new_docs = _by_doc(old), _by_doc(new)
    changes = []
    for doc in sorted(set(old_docs) | set(new_docs)):
        changes += match_document(doc, old_docs.get(doc, []), new_docs.get(doc, []))
    return sorted(changes, key=Change.sort_key)


# --------------------------------------------------------------------------- gold and context


def gold_name(doc: str) -> str:
    """The gold file name for a doc id (its last path component)."""
    return PurePosixPath(doc).name


def tag_gold(changes: list[Change], gold: dict, old: list[dict] | None, new: list[dict] | None) -> None:
    """Set each change's `gold` tag from `gold` (pipeline.review.evaluation.load_gold)."""
    from pipeline.review.evaluation import value_matches

    def keys(entities):
        out: dict[str, set] = {}
        for e in entities or []:
            out.setdefault(e["doc"], set()).add((e["start"], e["end"], e["label"]))
        return out

    old_keys, new_keys = keys(old), keys(new)
    for change in changes:
        gold_doc = gold.get(gold_name(change.doc))
        if gold_doc is None:
            change.gold = NO_GOLD
            continue
        spans = {(g["start"], g["end"], g["label"]): g for g in gold_doc.spans}
        key = lambda e: None if e is None else (e["start"], e["end"], e["label"])  # noqa: E731
        k_old, k_new = key(change.old), key(change.new)
        new_hit = k_new in spans and k_new not in old_keys.get(change.doc, set())
        old_hit = k_old in spans and k_old not in new_keys.get(change.doc, set())
        if new_hit:
            change.gold = FIXES
        elif old_hit:
            change.gold = BREAKS
        elif k_old is not None and k_old == k_new and k_new in spans:
            g = spans[k_new]
            was, now = value_matches(g, change.old), value_matches(g, change.new)
            change.gold = FIXES if now and not was else BREAKS if was and not now else GOLD_UNCHANGED
        else:
            change.gold = NOT_IN_GOLD


def read_raw(path: Path) -> str | None:
    """A raw article decoded as the pipeline decodes it (offsets agree), or None."""
    from pipeline.read.sources import ReadError, decode

    try:
        return decode(path.read_bytes())[0]
    except (OSError, ReadError):
        return None


def _squash(text: str) -> str:
    return " ".join(text.split())


def sentence_context(raw: str, start: int, end: int) -> tuple[str, str, str]:
    """(before, span, after) of the sentence around raw[start:end], whitespace collapsed."""
    left = raw.rfind("\n", 0, start) + 1
    for stop in (". ", "! ", "? "):
        i = raw.rfind(stop, 0, start)
        if i >= 0:
            left = max(left, i + 2)
    right = raw.find("\n", end)
    right = len(raw) if right < 0 else right
    for stop in (". ", "! ", "? "):
        i = raw.find(stop, end)
        if 0 <= i < right:
            right = i + 1
    before, after = raw[left:start], raw[end:right]
    before = _squash(before) + (" " if before[-1:].isspace() else "") if before.strip() else ""
    after = (" " if after[:1].isspace() else "") + _squash(after) if after.strip() else ""
    if len(before) > CONTEXT_CHARS:
        before = "…" + before[-CONTEXT_CHARS:]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS] + "…"
    return before, _squash(raw[start:end]), after


def _article_path(corpus: Path, doc: str, documents: dict[str, dict]) -> Path | None:
    info = documents.get(doc)
    if info and info.get("path"):
        return corpus / info["path"]
    if PurePosixPath(doc).suffix.lower() in ARTICLE_SUFFIXES and (corpus / doc).is_file():
        return corpus / doc
    for suffix in ARTICLE_SUFFIXES:
        if (corpus / (doc + suffix)).is_file():
            return corpus / (doc + suffix)
    return None


def attach_sentences(changes: list[Change], corpus: Path, documents: dict[str, dict]) -> None:
    """Give each change its sentence from the raw article (the NEW span, else the OLD one)."""
    cache: dict[str, str | None] = {}
    for change in changes:
        if change.doc not in cache:
            path = _article_path(corpus, change.doc, documents)
            cache[change.doc] = read_raw(path) if path else None
        raw = cache[change.doc]
        anchor = change.new or change.old
        if raw is not None and anchor["end"] <= len(raw):
            change.context = sentence_context(raw, anchor["start"], anchor["end"])


# --------------------------------------------------------------------------- the report


def _documents_by_doc(side: Side) -> dict[str, dict]:
    return {d["doc"]: d for d in side.documents or []}


def document_changes(old: Side, new: Side) -> dict[str, list[str]]:
    """Per doc, the documents.jsonl differences (added/removed documents, metadata, cleaning counts)."""
    if old.documents is None or new.documents is None:
        return {}
    a, b = _documents_by_doc(old), _documents_by_doc(new)
    out: dict[str, list[str]] = {}
    for doc in sorted(set(a) | set(b)):
        if doc not in a:
            out[doc] = ["document added"]
        elif doc not in b:
            out[doc] = ["document removed"]
        else:
            diffs = [f"{k} {_fmt(a[doc].get(k))} -> {_fmt(b[doc].get(k))}"
                     for k in DOCUMENT_FIELDS if a[doc].get(k) != b[doc].get(k)]
            if diffs:
                out[doc] = diffs
    return out


def metric_deltas(old: dict | None, new: dict | None) -> dict[str, dict] | None:
    """{key: {old, new, delta}} for every numeric metric on either side (None unless both have metrics)."""
    if old is None or new is None:
        return None
    out = {}
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        numeric = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)  # noqa: E731
        if (a is not None and not numeric(a)) or (b is not None and not numeric(b)):
            continue
        out[key] = {"old": a, "new": b, "delta": round(b - a, 4) if numeric(a) and numeric(b) else None}
    return out


def _label_order(labels) -> list[str]:
    labels = set(labels)
    return [lab for lab in LABELS if lab in labels] + sorted(labels - set(LABELS))


def label_counts(changes: list[Change], old: list[dict] | None, new: list[dict] | None) -> dict[str, dict]:
    """Per label: entity totals on each side and changes by kind (relabels count in and out)."""
    totals_old, totals_new = {}, {}
    for side, totals in ((old, totals_old), (new, totals_new)):
        for e in side or []:
            totals[e["label"]] = totals.get(e["label"], 0) + 1
    labels = set(totals_old) | set(totals_new) | {c.label for c in changes}
    out = {lab: {"old": totals_old.get(lab, 0), "new": totals_new.get(lab, 0), **{k: 0 for k in KINDS},
                 "relabeled from": 0, FIXES: 0, BREAKS: 0} for lab in _label_order(labels)}
    for c in changes:
        out[c.label][c.kind] += 1
        if c.kind == "relabeled":
            out[c.old["label"]]["relabeled from"] += 1
        if c.gold in (FIXES, BREAKS):
            out[c.label][c.gold] += 1
    return out


def build_report(old: Side, new: Side, corpus: Path | None = None, gold: dict | None = None) -> dict:
    """Everything the markdown and JSON renderings show.

    Args:
        old, new: the two sides (load_side).
        corpus: the corpus folder with the raw articles (for sentences); None to skip.
        gold: gold documents (pipeline.review.evaluation.load_gold); None when there is no gold set.
    """
    changes = diff_entities(old.entities, new.entities)
    if gold is not None:
        tag_gold(changes, gold, old.entities, new.entities)
    if corpus is not None:
        docs = {**_documents_by_doc(old), **_documents_by_doc(new)}
        attach_sentences(changes, Path(corpus), docs)
    notes = []
    for name, side in (("OLD", old), ("NEW", new)):
        for what, value in ((ENTITIES, side.entities), (DOCUMENTS, side.documents)):
            if value is None:
                notes.append(f"{name} ({side.location}) has no {what}")
    by_kind = {k: sum(1 for c in changes if c.kind == k) for k in KINDS}
    summary = {
        "added": by_kind["added"], "removed": by_kind["removed"],
        "changed": sum(by_kind[k] for k in CHANGED_KINDS), "by_kind": by_kind,
        "documents": len({c.doc for c in changes}),
        "gold": None if gold is None else {t: sum(1 for c in changes if c.gold == t)
                                           for t in (FIXES, BREAKS, NOT_IN_GOLD, GOLD_UNCHANGED, NO_GOLD)},
    }
    return {
        "old": {"spec": old.spec, "kind": old.kind, "location": old.location},
        "new": {"spec": new.spec, "kind": new.kind, "location": new.location},
        "identical": not changes,
        "summary": summary,
        "labels": label_counts(changes, old.entities, new.entities),
        "metrics": metric_deltas(old.metrics, new.metrics),
        "metrics_present": {"old": old.metrics is not None, "new": new.metrics is not None},
        "documents": document_changes(old, new),
        "changes": changes,
        "notes": notes,
    }


def diff(old: str, new: str, *, outputs: str = "outputs", corpus: Path | str | None = "corpus",
         gold_dir: Path | str | None = None, cwd: Path | str = ".") -> dict:
    """`pipeline diff OLD NEW` as data: load both sides, the gold set and the raw articles.

    Args:
        old, new: output folders or git revisions.
        outputs: the outputs folder inside a revision.
        corpus: the corpus folder (raw articles for sentences; relative to `cwd`).
        gold_dir: the gold folder (default CORPUS/gold, used when it exists).
        cwd: the working directory (folders and the git repository are relative to it).
    """
    from pipeline.review.evaluation import load_gold

    cwd = Path(cwd)
    resolve = lambda p: None if p is None else (Path(p) if Path(p).is_absolute() else cwd / p)  # noqa: E731
    corpus_path = resolve(corpus)
    if gold_dir is not None:
        gold_path = resolve(gold_dir)
        if not gold_path.is_dir():
            raise DiffError(f"{gold_dir}: no such gold folder")
    else:
        gold_path = corpus_path / "gold" if corpus_path is not None else None
    gold = load_gold(gold_path) if gold_path is not None and gold_path.is_dir() else None
    if gold is not None and not gold:
        gold = None
    return build_report(load_side(old, outputs, cwd), load_side(new, outputs, cwd),
                        corpus_path if corpus_path is not None and corpus_path.is_dir() else None, gold)


# --------------------------------------------------------------------------- renderings


def to_json(report: dict) -> str:
    data = {**report, "changes": [c.to_json() for c in report["changes"]]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_MD_SPECIALS = "\\`*_[]<>|#$~"


def _md_escape(text: str) -> str:
    return "".join("\\" + ch if ch in _MD_SPECIALS else ch for ch in text)


def _code(text: str) -> str:
    text = _squash(text)
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text} ``"


def _num(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def _delta_cell(entry: dict | None) -> str:
    if entry is None:
        return "–"
    a, b, d = entry["old"], entry["new"], entry["delta"]
    if a == b:
        return _num(a)
    if d is None:
        return f"{_num(a)} → {_num(b)}"
    sign = f"{d:+.3f}" if abs(d) >= 0.0005 else f"{d:+.4f}"
    return f"{_num(a)} → {_num(b)} ({sign})"


def _metrics_table(metrics: dict) -> list[str]:
    labels = _label_order({k.split(".")[0] for k in metrics if k.endswith(".strict.f1")}
                          - {"core", "micro"})
    rows = ["| label | strict P | strict R | strict F1 | value accuracy |", "|---|---|---|---|---|"]
    for label in [*labels, "core", "micro"]:
        if f"{label}.strict.f1" not in metrics:
            continue
        value_key = "value_accuracy" if label == "micro" else f"{label}.value_accuracy"
        cells = [_delta_cell(metrics.get(f"{label}.strict.{k}")) for k in ("precision", "recall", "f1")]
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {_delta_cell(metrics.get(value_key))} |")
    if "cleaning.f1" in metrics:
        cells = [_delta_cell(metrics.get(f"cleaning.{k}")) for k in ("precision", "recall", "f1")]
        rows.append("| cleaning | " + " | ".join(cells) + " | |")
    return rows


def _side_name(side: dict) -> str:
    return _code(side["spec"])


def to_markdown(report: dict) -> str:
    """The report as a PR comment."""
    s = report["summary"]
    lines = [f"### Extraction diff: {_side_name(report['old'])} → {_side_name(report['new'])}", ""]
    if report["identical"]:
        lines.append("**No extraction changes.**")
    else:
        kinds = ", ".join(f"{n} {k}" for k, n in s["by_kind"].items() if n and k in CHANGED_KINDS)
        head = f"**{s['added']} added / {s['removed']} removed / {s['changed']} changed**"
        head += f" ({kinds})" if kinds else ""
        head += f" in {s['documents']} document{'s' if s['documents'] != 1 else ''}"
        if s["gold"] is not None:
            head += f" · gold: {s['gold'][FIXES]} fixed, {s['gold'][BREAKS]} broken"
        lines.append(head)
    core = (report["metrics"] or {}).get("core.strict.f1")
    if core is not None and core["old"] != core["new"]:
        lines[-1] += f" · core strict F1 {_delta_cell(core)}"
    for note in report["notes"]:
        lines += ["", f"> note: {_md_escape(note)}"]
    if not report["identical"]:
        gold = s["gold"] is not None
        lines += ["", "| label | entities | added | removed | relabeled to / from | boundary moved | value changed"
                  + (" | fixes gold | breaks gold |" if gold else " |"),
                  "|---|---|--:|--:|--:|--:|--:|" + ("--:|--:|" if gold else "")]
        for label, c in report["labels"].items():
            if not any(c[k] for k in (*KINDS, "relabeled from")):
                continue
            entities = f"{c['old']} → {c['new']}" if c["old"] != c["new"] else str(c["new"])
            row = (f"| {label} | {entities} | {c['added']} | {c['removed']} | {c['relabeled']} / "
                   f"{c['relabeled from']} | {c['boundary moved']} | {c['value changed']} |")
            if gold:
                row += f" {c[FIXES]} | {c[BREAKS]} |"
            lines.append(row)
    metrics = report["metrics"]
    if metrics is not None:
        if any(e["old"] != e["new"] for e in metrics.values()):
            lines += ["", "#### Metrics (old → new)", "", *_metrics_table(metrics)]
        else:
            lines += ["", "Metrics unchanged."]
    elif any(report["metrics_present"].values()):
        missing = "OLD" if not report["metrics_present"]["old"] else "NEW"
        lines += ["", f"No metric deltas: {missing} has no metrics.json (run `pipeline evaluate` on both sides)."]
    by_doc: dict[str, list[Change]] = {}
    for change in report["changes"]:
        by_doc.setdefault(change.doc, []).append(change)
    for doc in sorted(set(by_doc) | set(report["documents"])):
        lines += ["", f"#### {_code(doc)}", ""]
        for item in report["documents"].get(doc, []):
            lines.append(f"- document: {_md_escape(item)}")
        for c in by_doc.get(doc, []):
            parts = [f"**{c.kind}**", c.label, _code(c.text)]
            parts += [_code(d) if "`" not in d else d for d in c.details]
            if c.gold is not None:
                parts.append(f"*{c.gold}*")
            line = "- " + " · ".join(parts)
            if c.context is not None:
                before, span, after = c.context
                line += f" — {_md_escape(before)}**{_md_escape(span)}**{_md_escape(after)}"
            lines.append(line)
    return "\n".join(lines) + "\n"
