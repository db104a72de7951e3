"""A static review site over a run's outputs (`pipeline report`).

`build_report` writes OUT/report/index.html (every article with its metadata
and entity counts, the per-label totals, the scores against the gold) and
OUT/report/docs/<doc>.html, one page per article: the text with the entities
highlighted in displaCy style, each with its label and normalized value drawn
next to it, and a table of the entities. Plain-text articles are shown as
their raw text with the removed boilerplate greyed out; HTML pages as their
clean text (OUT/clean/<doc>.txt, entities placed through the sidecar's offset
map) with the removed boilerplate in a <details> block. With a gold set,
predictions are marked `match`, `wrong-value`, `spurious` or `unscored` (on a
line the gold marks `either`) and gold spans the prediction missed are shown
as `missed`. With `compare` (another run: a folder or a git revision, read by
pipeline.review.diff) what changed is marked: `c-added`, `c-changed` (the old
label / value / record in the title and next to it), removed spans struck
through, the document's metadata changes and a line diff of its clean text.

Checkboxes filter the marks and table rows by label, gold status and change
(a few lines of inline JavaScript toggling classes; no network, no assets).
Every page goes through one Jinja2 environment with autoescape on, so text
from the records (labels, texts, values, titles) is always written as text.
Output is deterministic.
"""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import jinja2

from pipeline.read.sources import ReadError
from pipeline.review.evaluation import GoldDocument, load_gold, score, value_matches
from pipeline.review.inputs import UnsafePath, clean_file, read_article, read_jsonl
from pipeline.run.outputs import atomic_write_text
from pipeline.settings import LABELS

REPORT_DIR = "report"
DOCS_DIR = "docs"
TEMPLATES = Path(__file__).with_name("templates")
# One background color per label (displaCy's palette where it has the label).
LABEL_COLORS = {
    "ORG": "#7aecec",
    "PLACE": "#feca74",
    "MONEY": "#b5e48c",
    "PERCENT": "#f4b6e0",
    "DATE": "#bfe1d9",
    "QUANTITY": "#cdc4f5",
}
OTHER_COLOR = "#dddddd"
SPAN_KEYS = ("doc", "label", "start", "end", "text")
GOLD_STATUSES = (("match", "match"), ("wrong-value", "wrong value"), ("spurious", "spurious"),
                 ("missed", "missed"), ("unscored", "not scored"))
CHANGE_STATUSES = (("c-added", "added"), ("c-changed", "changed"), ("c-removed", "removed"),
                   ("c-same", "unchanged"))
CORE_LABELS = ("ORG", "PLACE", "MONEY", "PERCENT")

# Layers of the text rendering, outermost first.
_REMOVED, _PRED, _MISSED, _WAS = 0, 1, 2, 3


# --------------------------------------------------------------------------- data


@dataclass
class Article:
    info: dict
    raw: str | None = None
    kind: str = "text"           # "text" or "html" (shown as its clean text)
    problems: list[str] = field(default_factory=list)
    sidecar: dict | None = None
    clean_text: str | None = None
    predictions: list[dict] = field(default_factory=list)
    gold: GoldDocument | None = None
    statuses: list[str] = field(default_factory=list)  # one per prediction
    missed: list[dict] = field(default_factory=list)
    changes: list = field(default_factory=list)       # pipeline.review.diff.Change, with compare
    doc_changes: list[str] = field(default_factory=list)
    clean_diff: list[str] = field(default_factory=list)

    @property
    def doc(self) -> str:
        return self.info["doc"]

    def tally(self) -> Counter:
        counts = Counter(self.statuses)
        counts["missed"] = len(self.missed)
        return counts


@dataclass
class ReportResult:
    index: Path
    problems: list[str]  # articles or records that could not be shown, one line each


def page_name(doc: str) -> str:
    """A safe, unique file name for a doc id (which may hold "/" or anything else)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", doc).strip("._") or "doc"
    if safe != doc:
        safe = f"{safe[:100]}-{hashlib.sha1(doc.encode('utf-8')).hexdigest()[:8]}"
    return safe + ".html"


def _gold_for(doc: str, gold_docs: dict[str, GoldDocument], names: Counter) -> GoldDocument | None:
    """Gold is keyed by file name: the doc id itself, else its last part when unique."""
    if doc in gold_docs:
        return gold_docs[doc]
    name = PurePosixPath(doc).name
    return gold_docs.get(name) if names[name] == 1 else None


def _compare_gold(article: Article) -> None:
    """Status of each prediction against the gold, and the gold spans missed."""
    gold = article.gold
    if gold is None:
        article.statuses = ["" for _ in article.predictions]
        return
    raw = article.raw or ""
    gold_by_key = {(g["label"], g["start"], g["end"]): g for g in gold.spans}
    pred_keys = set()
    for p in article.predictions:
        key = (p["label"], p["start"], p["end"])
        pred_keys.add(key)
        g = gold_by_key.get(key)
        if g is not None:
            article.statuses.append("wrong-value" if value_matches(g, p) is False else "match")
        elif raw.count("\n", 0, p["start"]) in gold.either:
            article.statuses.append("unscored")
        else:
            article.statuses.append("spurious")
    article.missed = sorted((g for g in gold.spans if (g["label"], g["start"], g["end"]) not in pred_keys),
                            key=lambda g: (g["start"], g["end"]))


def _load_articles(corpus: Path, out_dir: Path, documents: list[dict], entities: list[dict],
                   gold_docs: dict[str, GoldDocument]) -> tuple[list[Article], list[str]]:
    by_doc: dict[str, list[dict]] = {}
    for entity in entities:
        by_doc.setdefault(entity["doc"], []).append(entity)
    names = Counter(PurePosixPath(d["doc"]).name for d in documents)
    articles, used_gold = [], set()
    for info in sorted(documents, key=lambda d: d["doc"]):
        article = Article(info=info, predictions=sorted(by_doc.get(info["doc"], []),
                                                        key=lambda e: (e["start"], e["end"])))
        try:
            raw_doc = read_article(corpus, info)
            article.raw, article.kind = raw_doc.text, raw_doc.kind
            if info.get("sha256") and raw_doc.sha256 != info["sha256"]:
                article.problems.append("the raw file changed since the run (sha256 differs): offsets may be wrong")
        except UnsafePath as exc:
            article.problems.append(f"raw file refused: {exc}")
        except (ReadError, OSError) as exc:
            article.problems.append(f"raw file not readable: {exc}")
        try:
            side_path, text_path = clean_file(out_dir, info["doc"], ".json"), clean_file(out_dir, info["doc"], ".txt")
            if side_path.exists():
                article.sidecar = json.loads(side_path.read_text(encoding="utf-8"))
            if text_path.exists():
                article.clean_text = text_path.read_text(encoding="utf-8")
        except UnsafePath as exc:
            article.problems.append(f"clean text refused: {exc}")
        article.gold = _gold_for(info["doc"], gold_docs, names)
        if article.gold is not None:
            used_gold.add(article.gold.doc)
        if article.raw is not None:
            bad = sum(1 for e in article.predictions if article.raw[e["start"]:e["end"]] != e.get("text"))
            if bad:
                article.problems.append(f"{bad} entities whose text does not match the raw file at their offsets")
        if article.sidecar is None and article.raw is not None:
            article.problems.append("no clean/ sidecar: boilerplate not shown")
        _compare_gold(article)
        articles.append(article)
    unmatched = sorted(set(gold_docs) - used_gold)
    return articles, unmatched


# --------------------------------------------------------------------------- formatting


def _fmt(value) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


def describe(entity: dict) -> str:
    """"MONEY amount=120000000 currency=CNY qualifier=exact": the label and normalized fields."""
    fields = [f"{k}={_fmt(v)}" for k, v in entity.items() if k not in SPAN_KEYS and v is not None]
    return " ".join([entity["label"], *fields])


def short_value(entity: dict) -> str:
    """The normalized value in a few characters, drawn next to the entity: "120000000 CNY", "12%", "org:acme"."""
    if entity.get("amount") is not None:
        amount = _fmt(entity["amount"]) + (f"–{_fmt(entity['amount_max'])}" if entity.get("amount_max") is not None else "")
        return f"{amount} {entity.get('currency') or '?'}"
    if entity.get("value") is not None:
        value = _fmt(entity["value"]) + (f"–{_fmt(entity['value_max'])}" if entity.get("value_max") is not None else "")
        if entity["label"] == "PERCENT":
            return value + "%"
        return f"{value} {entity['unit']}" if entity.get("unit") else value
    record = entity.get("org") or entity.get("place")
    if isinstance(record, dict):
        if record.get("id"):
            return str(record["id"])
        return " ".join(str(record[k]) for k in ("level", "country") if record.get(k)) or "unresolved"
    return ""


def _css_ident(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(label))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["css_ident"] = _css_ident
    env.globals["label_color"] = lambda label: LABEL_COLORS.get(label, OTHER_COLOR)
    return env


_ENV: jinja2.Environment | None = None


def render(template: str, **context) -> str:
    """The one way a page is written: a template of pipeline/review/templates/, autoescaped."""
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    return _ENV.get_template(template).render(**context)


# --------------------------------------------------------------------------- the text


@dataclass
class Node:
    """One element of the rendered text; children are strings (text, escaped by the template) or Nodes."""
    tag: str
    classes: list[str]
    attrs: list[tuple[str, str]]
    children: list = field(default_factory=list)


@dataclass
class _Item:
    start: int
    end: int
    layer: int
    tag: str
    classes: list[str]
    attrs: list[tuple[str, str]]


def _removed_ranges(raw: str, sidecar: dict | None) -> list[tuple[int, int]]:
    """What cleaning removed: the boilerplate blocks, and text no block covers (HTML markup).

    Gaps between blocks are trimmed of whitespace and skipped when blank.
    """
    if sidecar is None:
        return []
    n = len(raw)
    blocks = sorted((max(0, min(s, n)), max(0, min(e, n)), kind) for s, e, _line, kind in sidecar.get("blocks", []))
    out, pos = [], 0
    for s, e, kind in blocks + [(n, n, None)]:
        if s > pos:
            gap = raw[pos:s]
            if gap.strip():
                out.append((pos + len(gap) - len(gap.lstrip()), pos + len(gap.rstrip())))
        if kind == "boilerplate" and e > max(s, pos):
            out.append((max(s, pos), e))
        pos = max(pos, e)
    return out


_TAG_RE = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.S | re.I)


def visible_text(markup: str) -> str:
    """The text a browser would show for a piece of HTML source (tags dropped, entities decoded)."""
    import html

    return " ".join(html.unescape(_TAG_RE.sub(" ", markup)).split())


class RawToClean:
    """Raw offsets -> clean-text offsets, the inverse of the sidecar's offset map (pipeline.clean.offsets)."""

    def __init__(self, offsets: list[list[int]]):
        self.runs = sorted(tuple(r) for r in offsets)  # (clean_start, raw_start, clean_len, raw_len)
        self.by_raw = sorted(self.runs, key=lambda r: r[1])
        self._raw_starts = [r[1] for r in self.by_raw]

    def _run(self, pos: int, end: bool):
        i = bisect_right(self._raw_starts, pos - 1 if end else pos) - 1
        if i < 0:
            return None
        run = self.by_raw[i]
        lo, hi = run[1], run[1] + run[3]
        return run if (lo < pos <= hi if end else lo <= pos < hi) else None

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        a, b = self._run(start, False), self._run(end, True)
        if a is None or b is None:
            return None
        cs = a[0] + (start - a[1] if a[2] == a[3] else 0)
        ce = b[0] + (end - b[1] if b[2] == b[3] else b[2])
        return (cs, ce) if cs < ce else None


def _entity_item(entity: dict, status: str, change, layer: int, start: int, end: int, gold: GoldDocument | None) -> _Item:
    title = describe(entity)
    if status == "match":
        title += "\ngold: match"
    elif status == "wrong-value" and gold is not None:
        g = next(g for g in gold.spans if (g["label"], g["start"], g["end"]) == (entity["label"], entity["start"],
                                                                                 entity["end"]))
        title += f"\ngold: wrong value, gold has {describe(g)}"
    elif status == "spurious":
        title += "\ngold: spurious (not in the gold set)"
    elif status == "unscored":
        title += "\ngold: not scored (line marked `either`)"
    classes = ["ent", f"l-{_css_ident(entity['label'])}"] + ([status] if status else [])
    attrs = [("data-label", entity["label"]), ("data-value", short_value(entity))]
    if change is not None:
        classes.append("c-added" if change.kind == "added" else "c-changed")
        if change.kind != "added":
            old = change.old
            attrs.append(("data-was", "; ".join(change.details)))
            title += f"\nchanged: {change.kind}: " + "; ".join(change.details)
        else:
            title += "\nchanged: added"
    return _Item(start, end, layer, "mark", classes, attrs + [("title", title)])


def _items(article: Article, view: str, mapper: RawToClean | None, text_len: int) -> tuple[list[_Item], int]:
    """The marks to draw and how many entities could not be placed in the shown text."""
    def place(s: int, e: int):
        if view == "clean":
            return mapper.span(s, e) if mapper is not None else None
        return (s, e) if 0 <= s < e <= text_len else None

    items, unplaced = [], 0
    if view == "raw":
        items += [_Item(s, e, _REMOVED, "span", ["boilerplate"], [])
                  for s, e in _removed_ranges(article.raw or "", article.sidecar)]
    changed = {id(c.new): c for c in article.changes if c.new is not None}
    for entity, status in zip(article.predictions, article.statuses):
        where = place(entity["start"], entity["end"])
        if where is None:
            unplaced += 1
            continue
        items.append(_entity_item(entity, status, changed.get(id(entity)), _PRED, *where, article.gold))
    for g in article.missed:
        where = place(g["start"], g["end"])
        if where is None:
            unplaced += 1
            continue
        items.append(_Item(*where, _MISSED, "mark", ["missed", f"l-{_css_ident(g['label'])}"],
                           [("data-label", g["label"]), ("data-value", short_value(g)),
                            ("title", describe(g) + "\ngold: missed by the prediction")]))
    for c in article.changes:
        if c.kind != "removed":
            continue
        where = place(c.old["start"], c.old["end"])
        if where is None:
            unplaced += 1
            continue
        items.append(_Item(*where, _WAS, "mark", ["was", "c-removed", f"l-{_css_ident(c.old['label'])}"],
                           [("data-label", c.old["label"]), ("data-value", short_value(c.old)),
                            ("title", describe(c.old) + "\nchanged: removed by this run")]))
    return items, unplaced


def render_text(text: str, items: list[_Item]) -> list:
    """The text as a tree of Nodes and strings, with every span wrapped.

    The text is cut at every span boundary of every layer; each segment is
    wrapped by the spans covering it, a span holding another one outside it
    (earlier start first, then longer, then boilerplate > prediction > gold).
    A span crossing another one is closed and reopened (its pieces share
    `data-span`); `first` / `last` mark the pieces holding its two ends (the
    label and value are drawn after the `last` piece). The text itself is
    never repeated.
    """
    per_layer: dict[int, list[_Item]] = {}
    for item in items:
        per_layer.setdefault(item.layer, []).append(item)
    for layer in per_layer.values():
        layer.sort(key=lambda i: (i.start, i.end))
    ids = {id(item): f"s{k}" for k, item in enumerate(sorted(items, key=lambda i: (i.start, i.layer, i.end)))}
    bounds = sorted({0, len(text)} | {i.start for i in items} | {i.end for i in items})
    pointers = {layer: 0 for layer in per_layer}
    root: list = []
    stack: list[tuple[_Item, Node, int]] = []  # (item, its open node, piece start)

    def close(pos: int) -> None:
        item, node, piece_start = stack.pop()
        if piece_start == item.start:
            node.classes.append("first")
        if pos == item.end:
            node.classes.append("last")

    for a, b in zip(bounds, bounds[1:]):
        wanted = []
        for layer in sorted(per_layer):
            spans, k = per_layer[layer], pointers[layer]
            while k < len(spans) and spans[k].end <= a:
                k += 1
            pointers[layer] = k
            if k < len(spans) and spans[k].start <= a < spans[k].end:
                wanted.append(spans[k])
        wanted.sort(key=lambda i: (i.start, -i.end, i.layer))  # a span holding another one wraps it
        keep = 0
        while keep < len(stack) and keep < len(wanted) and stack[keep][0] is wanted[keep]:
            keep += 1
        while len(stack) > keep:
            close(a)
        for item in wanted[keep:]:
            node = Node(item.tag, list(item.classes), [("data-span", ids[id(item)]), *item.attrs])
            (stack[-1][1].children if stack else root).append(node)
            stack.append((item, node, a))
        (stack[-1][1].children if stack else root).append(text[a:b])
    while stack:
        close(len(text))
    return root


def _text_view(article: Article) -> tuple[str, list | None, list[str], int]:
    """(view, text tree, removed boilerplate blocks, entities not placed) for one article."""
    if article.raw is None:
        return "none", None, [], 0
    if article.kind == "html" and article.clean_text is not None and article.sidecar is not None:
        mapper = RawToClean(article.sidecar.get("offsets") or [])
        items, unplaced = _items(article, "clean", mapper, len(article.clean_text))
        removed = [t for s, e in _removed_ranges(article.raw, article.sidecar) if (t := visible_text(article.raw[s:e]))]
        return "clean", render_text(article.clean_text, items), removed, unplaced
    items, unplaced = _items(article, "raw", None, len(article.raw))
    return "raw", render_text(article.raw, items), [], unplaced


# --------------------------------------------------------------------------- pages


def _row(entity: dict, status: str, change, kind: str = "") -> dict:
    classes = [f"l-{_css_ident(entity['label'])}"] + ([status] if status else [])
    if change is None:
        classes.append(kind or "c-same")
        change_text = ""
    elif change.kind == "added":
        classes.append("c-added")
        change_text = "added"
    elif change.kind == "removed":
        classes.append("c-removed")
        change_text = "removed"
    else:
        classes.append("c-changed")
        change_text = f"{change.kind}: " + "; ".join(change.details)
    return {"label": entity["label"], "text": entity["text"], "start": entity["start"],
            "value": short_value(entity), "gold": status.replace("-", " ") if status else "",
            "change": change_text, "classes": classes}


def _gold_line(t: Counter) -> str:
    return (f"{t['match']} match, {t['wrong-value']} wrong value, {t['spurious']} spurious, "
            f"{t['missed']} missed, {t['unscored']} not scored")


def _change_counts(changes) -> Counter:
    return Counter("added" if c.kind == "added" else "removed" if c.kind == "removed" else "changed"
                   for c in changes)


def _change_line(counts: Counter) -> str:
    return f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed"


def article_page(article: Article, labels: list[str], compare: str | None = None) -> str:
    info = article.info
    view, nodes, removed, unplaced = _text_view(article)
    problems = list(article.problems)
    if unplaced:
        problems.append(f"{unplaced} spans lie outside the {'clean' if view == 'clean' else 'raw'} text shown "
                        "(see the table below)")
    counts = Counter(e["label"] for e in article.predictions)
    meta = [("doc", info.get("doc")), ("file", info.get("path")), ("published", info.get("published")),
            ("outlet", info.get("outlet")), ("language", info.get("language")), ("encoding", info.get("encoding")),
            ("words", info.get("words")), ("blocks removed", info.get("lines_removed")),
            ("entities", len(article.predictions)), ("status", info.get("status"))]
    meta = [(k, "—" if v is None else _fmt(v)) for k, v in meta if not (k == "language" and v is None)]
    changed = {id(c.new): c for c in article.changes if c.new is not None}
    rows = [_row(e, s, changed.get(id(e))) for e, s in zip(article.predictions, article.statuses)]
    rows += [_row(g, "missed", None, "c-same") for g in article.missed]
    rows += [_row(c.old, "", c) for c in article.changes if c.kind == "removed"]
    rows.sort(key=lambda r: (r["start"], r["label"]))
    with_gold = article.gold is not None
    statuses = (list(GOLD_STATUSES) if with_gold else []) + (list(CHANGE_STATUSES) if compare else [])
    data = {
        "title": info.get("title") or article.doc, "meta": meta,
        "counts": {label: counts.get(label, 0) for label in labels},
        "gold_summary": f"gold: {_gold_line(article.tally())}" if with_gold else "",
        "compare_summary": (f"compared with {compare}: {_change_line(_change_counts(article.changes))}"
                            if compare else ""),
        "doc_changes": article.doc_changes, "clean_diff": article.clean_diff,
        "problems": problems, "with_gold": with_gold, "view": view, "text_nodes": nodes,
        "removed_blocks": removed, "rows": rows,
    }
    filter_keys = [f"l-{_css_ident(label)}" for label in labels] + [k for k, _ in statuses]
    return render("article.html", title=f"{data['title']} ({article.doc})", labels=labels, a=data,
                  statuses=statuses, filter_keys=filter_keys, compare=compare)


def _metrics_tables(metrics: dict) -> tuple[list, list]:
    groups = [k[: -len(".strict.f1")] for k in metrics if k.endswith(".strict.f1")]
    order = [g for g in (*LABELS, "core", "micro") if g in groups] + sorted(set(groups) - {*LABELS, "core", "micro"})
    keys = ("strict.precision", "strict.recall", "strict.f1", "overlap.precision", "overlap.recall", "overlap.f1",
            "value_accuracy")
    rows = []
    for g in order:
        cells = []
        for key in keys:
            v = metrics.get(f"{g}.{key}")
            cells.append("" if v is None else f"{v:.3f}" if isinstance(v, float) else _fmt(v))
        rows.append((g, cells))
    shown = {f"{g}.{key}" for g in order for key in keys}
    other = [(k, f"{metrics[k]:.4f}" if isinstance(metrics[k], float) else _fmt(metrics[k]))
             for k in sorted(metrics) if k not in shown]
    return rows, other


METRIC_COLUMNS = ("strict P", "strict R", "strict F1", "overlap P", "overlap R", "overlap F1", "value acc")


def index_page(articles: list[Article], labels: list[str], metrics: dict | None, with_gold: bool,
               unmatched_gold: list[str], compare: str | None = None, compare_summary: str = "",
               problems: list[str] | None = None) -> str:
    total = Counter(e["label"] for a in articles for e in a.predictions)
    rows = []
    for a in articles:
        info = a.info
        counts = Counter(e["label"] for e in a.predictions)
        gold = ""
        if with_gold:
            t = a.tally()
            gold = f"{t['match'] + t['wrong-value']} / {t['spurious']} / {t['missed']}" if a.gold is not None else "—"
        changes = _change_counts(a.changes)
        changed = bool(a.changes or a.doc_changes or a.clean_diff)
        rows.append({"page": page_name(a.doc), "doc": a.doc, "title": info.get("title") or "",
                     "published": info.get("published") or "", "outlet": info.get("outlet") or "",
                     "words": _fmt(info.get("words") or 0), "counts": {lab: counts.get(lab, 0) for lab in labels},
                     "gold": gold, "status": _fmt(info.get("status")) if info.get("status") is not None else "",
                     "failed": info.get("status") != "ok", "changed": changed,
                     "changes": (f"+{changes['added']} −{changes['removed']} ~{changes['changed']}"
                                 + (" · metadata" if a.doc_changes else "") + (" · cleaning" if a.clean_diff else ""))
                     if changed else "—"})
    gold_summary = ""
    if with_gold:
        t = Counter()
        for a in articles:
            if a.gold is not None:
                t.update(a.tally())
        gold_summary = f"against the gold ({sum(1 for a in articles if a.gold)} articles): {_gold_line(t)}"
    metrics_rows, metrics_other = _metrics_tables(metrics) if metrics else ([], [])
    return render("index.html", title="Extraction review", labels=labels, filter_keys=[],
                  n_articles=len(articles), n_entities=sum(total.values()),
                  n_words=sum(int(a.info.get("words") or 0) for a in articles),
                  totals={label: total.get(label, 0) for label in labels}, gold_summary=gold_summary,
                  with_gold=with_gold, articles=rows, unmatched_gold=unmatched_gold, compare=compare,
                  changed_rows=[r for r in rows if r["changed"]] if compare else [],
                  compare_summary=compare_summary, problems=problems or [], metrics_rows=metrics_rows,
                  metric_columns=METRIC_COLUMNS, metrics_other=metrics_other,
                  metrics_source="the same scoring as `pipeline evaluate`")


# --------------------------------------------------------------------------- entry point


def _labels_of(articles: list[Article]) -> list[str]:
    seen = {e["label"] for a in articles for e in a.predictions} | {g["label"] for a in articles for g in a.missed}
    seen |= {c.old["label"] for a in articles for c in a.changes if c.old is not None}
    return list(LABELS) + sorted(seen - set(LABELS))


def build_report(corpus: Path, out_dir: Path, gold_dir: Path | None, compare: str | None = None,
                 outputs: str = "outputs", cwd: Path | str = ".", core_labels=CORE_LABELS) -> ReportResult:
    """Write OUT/report/index.html and OUT/report/docs/<doc>.html from a run's outputs.

    Args:
        corpus: the corpus folder the run read (the raw texts are read again from it, and only from it).
        out_dir: the run's output folder (documents.jsonl, entities.jsonl, clean/).
        gold_dir: a gold folder (<name>.jsonl, <name>.lines.json) to compare with, or None.
        compare: another run to mark changes against: an output folder or a git revision
            (pipeline.review.diff.load_side; `outputs` and `cwd` as there).
        core_labels: the labels of the "core" score.
    Returns:
        The path of index.html and the problems met (also on each page).
    Raises:
        FileNotFoundError: OUT has no documents.jsonl. pipeline.review.diff.DiffError: `compare` cannot be read.
    """
    corpus, out_dir = Path(corpus), Path(out_dir)
    if not (out_dir / "documents.jsonl").exists():
        raise FileNotFoundError(f"{out_dir / 'documents.jsonl'}: no run outputs (run `pipeline run` first)")
    documents, entities = read_jsonl(out_dir / "documents.jsonl"), read_jsonl(out_dir / "entities.jsonl")
    gold_docs = load_gold(gold_dir) if gold_dir is not None and Path(gold_dir).is_dir() else {}
    articles, unmatched = _load_articles(corpus, out_dir, documents, entities, gold_docs)
    compare_summary = ""
    if compare is not None:
        from pipeline.review import diff as review_diff

        old = review_diff.load_side(compare, outputs, cwd)
        new = review_diff.load_side(str(out_dir.resolve()), outputs, cwd)
        data = review_diff.build_report(old, new, None, gold_docs or None, core_labels)
        by_doc: dict[str, list] = {}
        for change in data["changes"]:
            by_doc.setdefault(change.doc, []).append(change)
        for a in articles:
            # Match against this page's own prediction dicts, so marks find their change by identity.
            old_entities = [e for e in (old.entities or []) if e["doc"] == a.doc]
            a.changes = review_diff.match_document(a.doc, old_entities, a.predictions) if by_doc.get(a.doc) else []
            a.doc_changes = data["documents"].get(a.doc, [])
            a.clean_diff = data["cleaning"].get(a.doc, [])
        s = data["summary"]
        compare_summary = (f"{s['added']} added, {s['removed']} removed, {s['changed']} changed spans in "
                           f"{s['documents']} documents; metadata changed in {s['metadata']}, clean text in "
                           f"{s['cleaning']}")
        compare_summary += "".join(f"; note: {n}" for n in data["notes"])
    with_gold = any(a.gold is not None for a in articles)
    labels = _labels_of(articles)
    metrics = None
    if gold_docs:
        sidecars = {a.doc: a.sidecar for a in articles}
        metrics = score(corpus, gold_docs, entities, documents, sidecars.get, core_labels=core_labels)["metrics"]
    problems = [f"{a.info.get('path') or a.doc}: {p}" for a in articles for p in a.problems
                if "refused" in p or "not readable" in p]

    root = out_dir / REPORT_DIR
    docs_dir = root / DOCS_DIR
    written = set()
    for article in articles:
        name = page_name(article.doc)
        written.add(name)
        atomic_write_text(docs_dir / name, article_page(article, labels, compare))
    if docs_dir.is_dir():
        for stale in sorted(docs_dir.glob("*.html")):
            if stale.name not in written:
                stale.unlink()
    index = root / "index.html"
    atomic_write_text(index, index_page(articles, labels, metrics, with_gold, unmatched, compare, compare_summary,
                                        problems))
    return ReportResult(index, problems)
