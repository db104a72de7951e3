"""Comparing two runs: every change a reviewer cares about, and whether it helped.

Each side is an output folder or a git revision. A revision's committed
``entities.jsonl`` and ``documents.jsonl`` are read with ``git show``; its
clean texts (``clean/``, kept in the DVC cache, not in git) are found through
that revision's ``dvc.lock`` in the local DVC cache. What is compared:

- spans, matched per document by their raw offsets (which do not move when
  cleaning changes): same (start, end) -> ``relabeled`` if the label differs,
  else ``value changed`` (a normalized value) or ``record changed`` (the
  ``place`` / ``org`` record: id, name, level, country...); overlapping with
  other boundaries -> ``boundary moved`` (one-to-one, same label and larger
  overlap first); otherwise ``added`` / ``removed``;
- document metadata (status, title, published, outlet, language, words...);
- cleaning: a unified line diff of each clean text that changed;
- metrics: both sides are scored here against the gold set with
  ``pipeline.review.evaluation.score`` (the scoring of ``pipeline evaluate``),
  never read from a metrics.json that may be stale.

With a gold set each span change is tagged ``fixes gold`` (NEW matches a gold
span exactly, label and offsets, and OLD did not), ``breaks gold`` (the
reverse) or ``not in gold``; a span both sides match exactly whose value
changed is tagged by the value instead (``fixes gold`` / ``breaks gold`` /
``gold unchanged``); documents the gold set does not cover are ``no gold``.

Everything here returns data or text; the CLI prints it.
"""

from __future__ import annotations

import difflib
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from pipeline.read.sources import ReadError
from pipeline.review.inputs import UnsafePath, clean_file, confined, parse_jsonl, read_article
from pipeline.settings import LABELS

ENTITIES = "entities.jsonl"
DOCUMENTS = "documents.jsonl"
VALUE_FIELDS = ("amount", "amount_max", "currency", "qualifier", "value", "value_max", "unit")
RECORD_FIELDS = ("place", "org")
DOCUMENT_FIELDS = ("status", "title", "published", "outlet", "language", "encoding", "words", "lines_removed")
KINDS = ("added", "removed", "relabeled", "boundary moved", "value changed", "record changed")
CHANGED_KINDS = ("relabeled", "boundary moved", "value changed", "record changed")
FIXES, BREAKS, NOT_IN_GOLD, GOLD_UNCHANGED, NO_GOLD = (
    "fixes gold", "breaks gold", "not in gold", "gold unchanged", "no gold")
ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
CONTEXT_CHARS = 200
DIFF_CONTEXT_LINES = 1


class DiffError(Exception):
    """A side that cannot be read (neither a folder nor a revision, git failure...)."""


# --------------------------------------------------------------------------- loading a side


class CleanTexts:
    """One side's clean texts and sidecars by doc id (None: not there, or refused)."""

    problem: str | None = None  # why none can be read at all

    def text(self, doc: str) -> str | None:
        data = self._read(doc, ".txt")
        return None if data is None else data.decode("utf-8")

    def sidecar(self, doc: str) -> dict | None:
        data = self._read(doc, ".json")
        return None if data is None else json.loads(data)

    def _read(self, doc: str, suffix: str) -> bytes | None:
        raise NotImplementedError


class FolderCleanTexts(CleanTexts):
    def __init__(self, folder: Path):
        self.folder = folder
        if not (folder / "clean").is_dir():
            self.problem = f"{folder}/clean: no clean texts"

    def _read(self, doc: str, suffix: str) -> bytes | None:
        try:
            path = clean_file(self.folder, doc, suffix)
        except UnsafePath:
            return None
        return path.read_bytes() if path.is_file() else None


class DvcCleanTexts(CleanTexts):
    """A revision's clean/ through its dvc.lock: the .dir manifest and files in the local DVC cache."""

    def __init__(self, rev: str, outputs_rel: str, root: Path):
        self.files: dict[str, str] = {}
        self.cache = dvc_cache_dir(root)
        lock_text = _git_show(rev, "dvc.lock", root)
        target = "clean" if outputs_rel in (".", "") else f"{outputs_rel}/clean"
        md5 = None
        if lock_text is not None:
            lock = yaml.safe_load(lock_text) or {}
            for stage in (lock.get("stages") or {}).values():
                for out in stage.get("outs") or []:
                    if str(out.get("path", "")).rstrip("/") == target:
                        md5 = out.get("md5")
        if md5 is None:
            self.problem = f"{rev}: dvc.lock has no {target} output, so its clean texts are unknown"
            return
        manifest = self._object(md5)
        if manifest is None:
            self.problem = (f"{rev}: clean texts ({target}, {md5}) are not in the local DVC cache "
                            f"{self.cache}; `dvc pull` or `dvc repro` at {rev} puts them there")
            return
        self.files = {entry["relpath"]: entry["md5"] for entry in json.loads(manifest)}

    def _object(self, oid: str) -> bytes | None:
        path = self.cache / oid[:2] / oid[2:]
        return path.read_bytes() if path.is_file() else None

    def _read(self, doc: str, suffix: str) -> bytes | None:
        oid = self.files.get(f"{doc}{suffix}")
        return None if oid is None else self._object(oid)


def dvc_cache_dir(root: Path) -> Path:
    """The local DVC cache's md5 object folder for the repository at `root` (DVC's own answer when it is installed)."""
    try:
        from dvc.exceptions import DvcException
        from dvc.repo import Repo
    except ImportError:
        return root / ".dvc" / "cache" / "files" / "md5"
    try:
        with Repo(str(root)) as repo:
            return Path(repo.cache.local.path)
    except DvcException:
        return root / ".dvc" / "cache" / "files" / "md5"


@dataclass
class Side:
    spec: str                      # what the user gave: a folder or a revision
    kind: str                      # "folder" or "git"
    location: str                  # the folder, or "REV:outputs"
    entities: list[dict] | None    # None: no entities.jsonl on this side
    documents: list[dict] | None
    clean: CleanTexts | None = None


def _parse_jsonl(text: str, where: str) -> list[dict]:
    try:
        return parse_jsonl(text, where)
    except ValueError as exc:
        raise DiffError(str(exc)) from None


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


def _repo_root(cwd: Path) -> Path:
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise DiffError(f"{cwd}: not inside a git repository")
    return Path(top.stdout.decode().strip()).resolve()


def _repo_relative(outputs: str, cwd: Path) -> str:
    """The outputs folder as a path from the repository root (POSIX)."""
    root = _repo_root(cwd)
    path = Path(outputs) if Path(outputs).is_absolute() else cwd / outputs
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        raise DiffError(f"{outputs}: not inside the repository {root}") from None


def _git_show(rev: str, path: str, cwd: Path) -> str | None:
    """A committed file's text (`path` from the repository root), or None when the revision does not have it."""
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
        kind, location, clean = "folder", str(spec), FolderCleanTexts(folder)
    elif is_revision(spec, cwd):
        root = _repo_root(cwd)
        outputs_rel = _repo_relative(outputs, cwd)

        def read(name: str) -> str | None:
            return _git_show(spec, f"{outputs_rel}/{name}" if outputs_rel != "." else name, root)
        kind, location = "git", f"{spec}:{outputs_rel}"
        clean = DvcCleanTexts(spec, outputs_rel, root)
    else:
        raise DiffError(f"{spec}: neither an output folder nor a git revision")
    entities, documents = read(ENTITIES), read(DOCUMENTS)
    if entities is None and documents is None:
        raise DiffError(f"{location}: no {ENTITIES} or {DOCUMENTS} to compare")
    return Side(
        spec=spec, kind=kind, location=location,
        entities=_parse_jsonl(entities, f"{location}/{ENTITIES}") if entities is not None else None,
        documents=_parse_jsonl(documents, f"{location}/{DOCUMENTS}") if documents is not None else None,
        clean=clean,
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
    if value is None:
        return "none"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def value_differences(old: dict, new: dict) -> list[str]:
    """`field old -> new` for each normalized value field that differs."""
    out = []
    for name in VALUE_FIELDS:
        a, b = old.get(name), new.get(name)
        if a != b:
            out.append(f"{name} {_fmt(a)} -> {_fmt(b)}")
    return out


def record_differences(old: dict, new: dict) -> list[str]:
    """`place.id old -> new` for each field of the place / org record that differs."""
    out = []
    for name in RECORD_FIELDS:
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        a, b = a if isinstance(a, dict) else {}, b if isinstance(b, dict) else {}
        for key in sorted(set(a) | set(b), key=lambda k: (k not in ("id", "name", "level", "country"), k)):
            if a.get(key) != b.get(key):
                out.append(f"{name}.{key} {_fmt(a.get(key))} -> {_fmt(b.get(key))}")
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
        values, records = value_differences(o, n), record_differences(o, n)
        if o["label"] != n["label"]:
            changes.append(Change(doc, "relabeled", o, n, [f"{o['label']} -> {n['label']}", *values, *records]))
        elif values:
            changes.append(Change(doc, "value changed", o, n, values + records))
        elif records:
            changes.append(Change(doc, "record changed", o, n, records))
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
        changes.append(Change(doc, "boundary moved", o, n, details + value_differences(o, n)
                              + record_differences(o, n)))
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


def _article_info(corpus: Path, doc: str, documents: dict[str, dict]) -> dict | None:
    """The documents.jsonl record naming the article, or a guess from the doc id (a file inside the corpus)."""
    info = documents.get(doc)
    if info and info.get("path"):
        return info
    candidates = [doc] if PurePosixPath(doc).suffix.lower() in ARTICLE_SUFFIXES else []
    for rel in candidates + [doc + suffix for suffix in ARTICLE_SUFFIXES]:
        try:
            if confined(corpus, rel, "doc id").is_file():
                return {"doc": doc, "path": rel}
        except UnsafePath:
            return {"doc": doc, "path": rel}  # refused by read_article, with its message
    return None


class Articles:
    """Raw articles by doc id, read once, inside the corpus only; refusals collected as notes."""

    def __init__(self, corpus: Path, documents: dict[str, dict]):
        self.corpus, self.documents = corpus, documents
        self.cache: dict[str, str | None] = {}
        self.problems: dict[str, str] = {}

    def raw(self, doc: str) -> str | None:
        if doc not in self.cache:
            info = _article_info(self.corpus, doc, self.documents)
            text = None
            if info is not None:
                try:
                    text = read_article(self.corpus, info).text
                except (ReadError, OSError) as exc:
                    self.problems[doc] = f"{doc}: article not read: {exc}"
            self.cache[doc] = text
        return self.cache[doc]


def attach_sentences(changes: list[Change], articles: Articles) -> None:
    """Give each change its sentence from the raw article (the NEW span, else the OLD one)."""
    for change in changes:
        raw = articles.raw(change.doc)
        anchor = change.new or change.old
        if raw is not None and anchor["end"] <= len(raw):
            change.context = sentence_context(raw, anchor["start"], anchor["end"])


# --------------------------------------------------------------------------- documents and cleaning


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


def _clean_text(side: Side, doc: str, notes: dict[str, str]) -> str | None:
    try:
        return side.clean.text(doc) if side.clean is not None else None
    except (UnicodeDecodeError, OSError) as exc:
        notes[doc] = f"{side.location}: clean text of {doc} not read ({exc})"
        return None


def cleaning_changes(old: Side, new: Side, docs: list[str], notes: dict[str, str]) -> dict[str, list[str]]:
    """Per doc whose clean text differs, its unified line diff (one line per paragraph of clean text)."""
    if any(side.clean is None or side.clean.problem for side in (old, new)):
        return {}
    out = {}
    for doc in docs:
        a, b = _clean_text(old, doc, notes), _clean_text(new, doc, notes)
        if a == b or (a is None and b is None):
            continue
        lines = list(difflib.unified_diff((a or "").splitlines(), (b or "").splitlines(),
                                          fromfile=f"OLD/clean/{doc}.txt", tofile=f"NEW/clean/{doc}.txt",
                                          n=DIFF_CONTEXT_LINES, lineterm=""))
        if lines:
            out[doc] = lines
    return out


# --------------------------------------------------------------------------- metrics


def side_scores(side: Side, corpus: Path, gold: dict, core_labels) -> dict | None:
    """The side's metrics, scored now from its entities and the gold (`pipeline evaluate`'s scoring)."""
    from pipeline.review.evaluation import score

    if side.entities is None or side.documents is None:
        return None

    def sidecar(doc: str) -> dict | None:
        try:
            return side.clean.sidecar(doc) if side.clean is not None and not side.clean.problem else None
        except (ValueError, OSError):
            return None

    result = score(corpus, gold, side.entities, side.documents, sidecar, core_labels=core_labels)
    metrics = result["metrics"]
    if side.clean is None or side.clean.problem:
        metrics = {k: v for k, v in metrics.items() if not k.startswith("cleaning.")}
    return metrics


def metric_deltas(old: dict | None, new: dict | None) -> dict[str, dict] | None:
    """{key: {old, new, delta}} for every numeric metric both sides have (None unless both are scored)."""
    if old is None or new is None:
        return None
    out = {}
    numeric = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)  # noqa: E731
    for key in sorted(set(old) & set(new)):
        a, b = old.get(key), new.get(key)
        if (a is not None and not numeric(a)) or (b is not None and not numeric(b)):
            continue
        out[key] = {"old": a, "new": b, "delta": round(b - a, 4) if numeric(a) and numeric(b) else None}
    return out


# --------------------------------------------------------------------------- the report


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


def build_report(old: Side, new: Side, corpus: Path | None = None, gold: dict | None = None,
                 core_labels=("ORG", "PLACE", "MONEY", "PERCENT")) -> dict:
    """Everything the markdown and JSON renderings show.

    Args:
        old, new: the two sides (load_side).
        corpus: the corpus folder with the raw articles (sentences, scoring); None to skip both.
        gold: gold documents (pipeline.review.evaluation.load_gold); None when there is no gold set.
        core_labels: the labels of the headline "core" score (params.yaml evaluate.core_labels).
    """
    changes = diff_entities(old.entities, new.entities)
    if gold is not None:
        tag_gold(changes, gold, old.entities, new.entities)
    documents = {**_documents_by_doc(old), **_documents_by_doc(new)}
    articles = Articles(Path(corpus), documents) if corpus is not None else None
    if articles is not None:
        attach_sentences(changes, articles)
    notes = []
    for name, side in (("OLD", old), ("NEW", new)):
        for what, value in ((ENTITIES, side.entities), (DOCUMENTS, side.documents)):
            if value is None:
                notes.append(f"{name} ({side.location}) has no {what}")
        if side.clean is not None and side.clean.problem:
            notes.append(f"{name}: {side.clean.problem}; cleaning not compared")
    clean_notes: dict[str, str] = {}
    cleaning = cleaning_changes(old, new, sorted(documents), clean_notes)
    metrics = None
    scored = {"old": False, "new": False}
    if gold is not None and corpus is not None:
        old_scores = side_scores(old, Path(corpus), gold, core_labels)
        new_scores = side_scores(new, Path(corpus), gold, core_labels)
        scored = {"old": old_scores is not None, "new": new_scores is not None}
        metrics = metric_deltas(old_scores, new_scores)
    if articles is not None:
        for doc in sorted(documents):
            articles.raw(doc)  # every article named is checked, not only those with span changes
        notes += [articles.problems[doc] for doc in sorted(articles.problems)]
    notes += [clean_notes[doc] for doc in sorted(clean_notes)]
    doc_changes = document_changes(old, new)
    by_kind = {k: sum(1 for c in changes if c.kind == k) for k in KINDS}
    summary = {
        "added": by_kind["added"], "removed": by_kind["removed"],
        "changed": sum(by_kind[k] for k in CHANGED_KINDS), "by_kind": by_kind,
        "documents": len({c.doc for c in changes}),
        "metadata": len(doc_changes),
        "cleaning": len(cleaning),
        "cleaning_lines": {
            "added": sum(1 for lines in cleaning.values() for ln in lines[2:] if ln.startswith("+")),
            "removed": sum(1 for lines in cleaning.values() for ln in lines[2:] if ln.startswith("-"))},
        "gold": None if gold is None else {t: sum(1 for c in changes if c.gold == t)
                                           for t in (FIXES, BREAKS, NOT_IN_GOLD, GOLD_UNCHANGED, NO_GOLD)},
    }
    return {
        "old": {"spec": old.spec, "kind": old.kind, "location": old.location},
        "new": {"spec": new.spec, "kind": new.kind, "location": new.location},
        "identical": not changes and not doc_changes and not cleaning,
        "summary": summary,
        "labels": label_counts(changes, old.entities, new.entities),
        "metrics": metrics,
        "metrics_scored": scored,
        "documents": doc_changes,
        "cleaning": cleaning,
        "changes": changes,
        "notes": notes,
    }


def diff(old: str, new: str, *, outputs: str = "outputs", corpus: Path | str | None = "corpus",
         gold_dir: Path | str | None = None, cwd: Path | str = ".",
         core_labels=("ORG", "PLACE", "MONEY", "PERCENT")) -> dict:
    """`pipeline diff OLD NEW` as data: load both sides, the gold set and the raw articles.

    Args:
        old, new: output folders or git revisions.
        outputs: the outputs folder inside a revision.
        corpus: the corpus folder (raw articles for sentences and scoring; relative to `cwd`).
        gold_dir: the gold folder (default CORPUS/gold, used when it exists).
        cwd: the working directory (folders and the git repository are relative to it).
        core_labels: the labels of the headline "core" score.
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
                        corpus_path if corpus_path is not None and corpus_path.is_dir() else None, gold,
                        core_labels)


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


def _fence(lines: list[str], info: str = "diff") -> list[str]:
    """A fenced code block longer than any backtick run inside it (the text cannot close it)."""
    ticks = 3
    for line in lines:
        run = 0
        for ch in line:
            run = run + 1 if ch == "`" else 0
            ticks = max(ticks, run + 1)
    return ["`" * ticks + info, *lines, "`" * ticks]


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
    other = [k for k in ("PLACE.gazetteer_share", "PLACE.filled_share", "ORG.gazetteer_share", "ORG.filled_share")
             if k in metrics and metrics[k]["old"] != metrics[k]["new"]]
    if other:
        rows += ["", "| grounding | old → new |", "|---|---|"]
        rows += [f"| {k} | {_delta_cell(metrics[k])} |" for k in other]
    return rows


def _side_name(side: dict) -> str:
    return _code(side["spec"])


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def headline(report: dict) -> str:
    """One line counting each kind of change (the first line of the comment after its title)."""
    s = report["summary"]
    if report["identical"]:
        head = "**No changes**: spans, values, records, document metadata and clean texts are identical"
    else:
        kinds = ", ".join(f"{n} {k}" for k, n in s["by_kind"].items() if n and k in CHANGED_KINDS)
        head = f"**spans: {s['added']} added / {s['removed']} removed / {s['changed']} changed**"
        head += f" ({kinds})" if kinds else ""
        head += f" in {_plural(s['documents'], 'document')}"
        head += f" · **metadata: {_plural(s['metadata'], 'document')}**"
        head += (f" · **cleaning: {_plural(s['cleaning'], 'clean text')}**"
                 f" (+{s['cleaning_lines']['added']} / −{s['cleaning_lines']['removed']} lines)")
        if s["gold"] is not None:
            head += f" · gold: {s['gold'][FIXES]} fixed, {s['gold'][BREAKS]} broken"
    core = (report["metrics"] or {}).get("core.strict.f1")
    if core is not None:
        head += f" · core strict F1 {_delta_cell(core)}"
    return head


def to_markdown(report: dict) -> str:
    """The report as a PR comment."""
    s = report["summary"]
    lines = [f"### Extraction diff: {_side_name(report['old'])} → {_side_name(report['new'])}", "",
             headline(report)]
    for note in report["notes"]:
        lines += ["", f"> note: {_md_escape(note)}"]
    if s["added"] or s["removed"] or s["changed"]:
        gold = s["gold"] is not None
        lines += ["", "| label | entities | added | removed | relabeled to / from | boundary moved | value changed"
                  " | record changed" + (" | fixes gold | breaks gold |" if gold else " |"),
                  "|---|---|--:|--:|--:|--:|--:|--:|" + ("--:|--:|" if gold else "")]
        for label, c in report["labels"].items():
            if not any(c[k] for k in (*KINDS, "relabeled from")):
                continue
            entities = f"{c['old']} → {c['new']}" if c["old"] != c["new"] else str(c["new"])
            row = (f"| {_md_escape(label)} | {entities} | {c['added']} | {c['removed']} | {c['relabeled']} / "
                   f"{c['relabeled from']} | {c['boundary moved']} | {c['value changed']} | {c['record changed']} |")
            if gold:
                row += f" {c[FIXES]} | {c[BREAKS]} |"
            lines.append(row)
    metrics = report["metrics"]
    if metrics is not None:
        if any(e["old"] != e["new"] for e in metrics.values()):
            lines += ["", "#### Metrics (old → new, scored now against the gold)", "", *_metrics_table(metrics)]
        else:
            lines += ["", "Metrics unchanged (both sides scored now against the gold)."]
    by_doc: dict[str, list[Change]] = {}
    for change in report["changes"]:
        by_doc.setdefault(change.doc, []).append(change)
    for doc in sorted(set(by_doc) | set(report["documents"]) | set(report["cleaning"])):
        lines += ["", f"#### {_code(doc)}", ""]
        for item in report["documents"].get(doc, []):
            lines.append(f"- document: {_code(item)}")
        for c in by_doc.get(doc, []):
            parts = [f"**{c.kind}**", _md_escape(c.label), _code(c.text)]
            parts += [_code(d) if "`" not in d else _md_escape(d) for d in c.details]
            if c.gold is not None:
                parts.append(f"*{c.gold}*")
            line = "- " + " · ".join(parts)
            if c.context is not None:
                before, span, after = c.context
                line += f" — {_md_escape(before)}**{_md_escape(span)}**{_md_escape(after)}"
            lines.append(line)
        if doc in report["cleaning"]:
            lines += ["", "<details><summary>clean text diff</summary>", "", *_fence(report["cleaning"][doc]),
                      "", "</details>"]
    return "\n".join(lines) + "\n"
