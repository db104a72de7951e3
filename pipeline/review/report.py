"""A static review site over a run's outputs (`pipeline report`).

`build_report` writes OUT/report/index.html (every article with its metadata
and entity counts, the per-label totals, the metrics of `pipeline evaluate`)
and OUT/report/docs/<doc>.html, one page per article: the raw text with the
removed boilerplate greyed out and the entities highlighted in displaCy style,
each with its normalized values on hover. With a gold set, predictions are
marked `match` (same label and offsets as a gold span), `spurious` (not in
the gold) or `unscored` (on a line the gold marks `either`), and gold spans the
prediction missed are shown as `missed` marks.

The pages are self-contained: inline CSS, no JavaScript, no external assets.
Labels are drawn with CSS (`::after { content: attr(data-label) }`), so the
text of every page body is exactly the raw text. Output is deterministic.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.review.evaluation import GoldDocument, load_gold, value_matches
from pipeline.run.outputs import atomic_write_text
from pipeline.read.sources import ReadError, SourceFile, load
from pipeline.settings import LABELS

REPORT_DIR = "report"
DOCS_DIR = "docs"
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
CONTENT_KINDS = ("title", "byline", "body", "short")

# Layers of the raw-text rendering, outermost first.
_REMOVED, _PRED, _MISSED = 0, 1, 2


# --------------------------------------------------------------------------- data


@dataclass
class Article:
    info: dict
    raw: str | None = None
    problem: str | None = None  # why the raw text or sidecar could not be shown
    sidecar: dict | None = None
    predictions: list[dict] = field(default_factory=list)
    gold: GoldDocument | None = None
    statuses: list[str] = field(default_factory=list)  # one per prediction
    missed: list[dict] = field(default_factory=list)
    offset_mismatches: int = 0

    @property
    def doc(self) -> str:
        return self.info["doc"]

    def tally(self) -> Counter:
        counts = Counter(self.statuses)
        counts["missed"] = len(self.missed)
        return counts


def page_name(doc: str) -> str:
    """A safe, unique file name for a doc id (which may hold "/" or anything else)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", doc).strip("._") or "doc"
    if safe != doc:
        safe = f"{safe[:100]}-{hashlib.sha1(doc.encode('utf-8')).hexdigest()[:8]}"
    return safe + ".html"


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _gold_for(doc: str, gold_docs: dict[str, GoldDocument], names: Counter) -> GoldDocument | None:
    """Gold is keyed by file name: the doc id itself, else its last part when unique."""
    if doc in gold_docs:
        return gold_docs[doc]
    name = PurePosixPath(doc).name
    return gold_docs.get(name) if names[name] == 1 else None


def _compare(article: Article) -> None:
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


def _load_articles(corpus: Path, out_dir: Path, gold_dir: Path | None) -> tuple[list[Article], list[str]]:
    documents = _read_jsonl(out_dir / "documents.jsonl")
    by_doc: dict[str, list[dict]] = {}
    for entity in _read_jsonl(out_dir / "entities.jsonl"):
        by_doc.setdefault(entity["doc"], []).append(entity)
    gold_docs = load_gold(gold_dir) if gold_dir is not None and gold_dir.is_dir() else {}
    names = Counter(PurePosixPath(d["doc"]).name for d in documents)
    articles, used_gold = [], set()
    for info in sorted(documents, key=lambda d: d["doc"]):
        article = Article(info=info, predictions=sorted(by_doc.get(info["doc"], []),
                                                        key=lambda e: (e["start"], e["end"])))
        try:
            raw_doc = load(SourceFile(info["doc"], corpus / info["path"], info["path"]))
            article.raw = raw_doc.text
            if info.get("sha256") and raw_doc.sha256 != info["sha256"]:
                article.problem = "the raw file changed since the run (sha256 differs): offsets may be wrong"
        except ReadError as exc:
            article.problem = f"raw file not readable: {exc}"
        except OSError as exc:
            article.problem = f"raw file not readable: {exc}"
        side_path = out_dir / "clean" / f"{info['doc']}.json"
        if side_path.exists():
            article.sidecar = json.loads(side_path.read_text(encoding="utf-8"))
        article.gold = _gold_for(info["doc"], gold_docs, names)
        if article.gold is not None:
            used_gold.add(article.gold.doc)
        if article.raw is not None:
            article.offset_mismatches = sum(
                1 for e in article.predictions if article.raw[e["start"]:e["end"]] != e.get("text"))
        _compare(article)
        articles.append(article)
    unmatched = sorted(set(gold_docs) - used_gold)
    return articles, unmatched


# --------------------------------------------------------------------------- formatting


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


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


def _labels_of(articles: list[Article]) -> list[str]:
    seen = {e["label"] for a in articles for e in a.predictions} | {g["label"] for a in articles for g in a.missed}
    return list(LABELS) + sorted(seen - set(LABELS))


def _css(labels: list[str]) -> str:
    colors = "\n".join(f".l-{_css_ident(label)} {{ --c: {LABEL_COLORS.get(label, OTHER_COLOR)}; }}"
                       for label in labels)
    return _BASE_CSS + colors + "\n"


def _css_ident(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", label)


_BASE_CSS = """\
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 1.5em 2em;
       color: #222; background: #fff; }
h1 { font-size: 1.4em; margin: 0.3em 0; }
h2 { font-size: 1.1em; margin-top: 1.5em; }
a { color: #0b57d0; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
tr.failed td { background: #fff0f0; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; font-size: 0.9em; }
dl.meta dt { color: #666; }
dl.meta dd { margin: 0; }
.problem { color: #a00; font-weight: bold; }
.legend { font-size: 0.85em; line-height: 2.4; }
.raw { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 2.3; font-size: 15px;
       border-top: 1px solid #ddd; padding-top: 0.8em; margin-top: 1em; }
.boilerplate { color: #a0a0a0; background: #f4f4f4; }
.boilerplate mark.ent { opacity: 0.6; }
mark { color: inherit; }
mark.ent { background: var(--c); padding: 0.2em 0.25em; border-radius: 0.35em; line-height: 1;
           -webkit-box-decoration-break: clone; box-decoration-break: clone; }
mark.ent.last::after { content: attr(data-label); font-size: 0.62em; font-weight: bold; letter-spacing: 0.02em;
                       vertical-align: middle; margin-left: 0.45em; line-height: 1; color: #333; }
mark.ent.spurious { outline: 2px dashed #d11; outline-offset: 1px; }
mark.ent.wrong-value { outline: 2px dotted #e08a00; outline-offset: 1px; }
mark.ent.unscored { outline: 1px dotted #888; outline-offset: 1px; }
mark.missed { background: transparent; padding: 0.2em 0; line-height: 1;
              text-decoration: underline wavy #d11; text-decoration-skip-ink: none; text-underline-offset: 0.25em;
              box-shadow: inset 0 0 0 1px rgba(221, 17, 17, 0.35); }
mark.missed.last::after { content: "missed " attr(data-label); font-size: 0.62em; font-weight: bold;
                          vertical-align: middle; margin-left: 0.35em; color: #d11; text-decoration: none;
                          display: inline-block; }
"""


def _page(title: str, css: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_esc(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


# --------------------------------------------------------------------------- the raw text


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


def _items(article: Article) -> list[_Item]:
    raw = article.raw or ""
    n = len(raw)
    items = [_Item(s, e, _REMOVED, "span", ["boilerplate"], []) for s, e in _removed_ranges(raw, article.sidecar)]
    for entity, status in zip(article.predictions, article.statuses):
        s, e = entity["start"], entity["end"]
        if not 0 <= s < e <= n:
            continue
        title = describe(entity)
        if status == "match":
            title += "\ngold: match"
        elif status == "wrong-value":
            gold = next(g for g in article.gold.spans
                        if (g["label"], g["start"], g["end"]) == (entity["label"], s, e))
            title += f"\ngold: wrong value, gold has {describe(gold)}"
        elif status == "spurious":
            title += "\ngold: spurious (not in the gold set)"
        elif status == "unscored":
            title += "\ngold: not scored (line marked `either`)"
        classes = ["ent", f"l-{_css_ident(entity['label'])}"] + ([status] if status else [])
        items.append(_Item(s, e, _PRED, "mark", classes, [("data-label", entity["label"]), ("title", title)]))
    for g in article.missed:
        s, e = g["start"], g["end"]
        if not 0 <= s < e <= n:
            continue
        items.append(_Item(s, e, _MISSED, "mark", ["missed", f"l-{_css_ident(g['label'])}"],
                           [("data-label", g["label"]), ("title", describe(g) + "\ngold: missed by the prediction")]))
    return items


def render_raw(article: Article) -> str:
    """The raw text, HTML-escaped, with boilerplate and entity spans wrapped.

    The text is cut at every span boundary of every layer; each segment is
    wrapped by the spans covering it, a span holding another one outside it
    (earlier start first, then longer, then boilerplate > prediction > gold).
    A span crossing another one is closed and reopened (its pieces share
    `data-span`); `first` / `last` mark the pieces holding its two ends (the
    label is drawn after the `last` piece). The text itself is never repeated.
    """
    raw = article.raw or ""
    items = _items(article)
    per_layer: dict[int, list[_Item]] = {}
    for item in items:
        per_layer.setdefault(item.layer, []).append(item)
    for layer in per_layer.values():
        layer.sort(key=lambda i: (i.start, i.end))
    ids = {id(item): f"s{k}" for k, item in enumerate(sorted(items, key=lambda i: (i.start, i.layer, i.end)))}
    bounds = sorted({0, len(raw)} | {i.start for i in items} | {i.end for i in items})
    pointers = {layer: 0 for layer in per_layer}
    out: list[str] = []
    stack: list[tuple[_Item, int, int]] = []  # (item, index of its opening tag in out, piece start)

    def close(pos: int) -> None:
        item, slot, piece_start = stack.pop()
        classes = list(item.classes)
        if piece_start == item.start:
            classes.append("first")
        if pos == item.end:
            classes.append("last")
        attrs = "".join(f' {k}="{_esc(v)}"' for k, v in item.attrs)
        out[slot] = f'<{item.tag} class="{" ".join(classes)}" data-span="{ids[id(item)]}"{attrs}>'
        out.append(f"</{item.tag}>")

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
            stack.append((item, len(out), a))
            out.append("")  # the opening tag, filled in when the piece closes
        out.append(html.escape(raw[a:b], quote=False))
    while stack:
        close(len(raw))
    return "".join(out)


# --------------------------------------------------------------------------- pages


def _legend(labels: list[str], with_gold: bool) -> str:
    parts = [f'<mark class="ent l-{_css_ident(label)} first last" data-label="{_esc(label)}">{_esc(label.lower())}</mark>'
             for label in labels]
    parts.append('<span class="boilerplate">removed boilerplate</span>')
    if with_gold:
        parts += ['<mark class="ent l-ORG match first last" data-label="ORG">match</mark>',
                  '<mark class="ent l-ORG spurious first last" data-label="ORG">spurious</mark>',
                  '<mark class="ent l-MONEY wrong-value first last" data-label="MONEY">wrong value</mark>',
                  '<mark class="missed l-ORG first last" data-label="ORG">gold span</mark>']
    return '<p class="legend">' + " &nbsp; ".join(parts) + "</p>"


def _meta(info: dict) -> str:
    rows = [("doc", info.get("doc")), ("file", info.get("path")), ("published", info.get("published")),
            ("outlet", info.get("outlet")), ("encoding", info.get("encoding")), ("words", info.get("words")),
            ("blocks removed", info.get("lines_removed")), ("entities", info.get("entities")),
            ("status", info.get("status"))]
    return '<dl class="meta">' + "".join(f"<dt>{k}</dt><dd>{_esc(_fmt(v) if v is not None else '—')}</dd>"
                                        for k, v in rows) + "</dl>"


def article_page(article: Article, labels: list[str]) -> str:
    info = article.info
    title = info.get("title") or article.doc
    counts = Counter(e["label"] for e in article.predictions)
    body = ['<p><a href="../index.html">&larr; all articles</a></p>',
            f"<h1>{_esc(title)}</h1>", _meta(info),
            '<p class="counts">' + ", ".join(f"{label} {counts.get(label, 0)}" for label in labels) + "</p>"]
    if article.gold is not None:
        t = article.tally()
        body.append(f'<p class="gold-summary">gold: {t["match"]} match, {t["wrong-value"]} wrong value, '
                    f'{t["spurious"]} spurious, {t["missed"]} missed, {t["unscored"]} not scored</p>')
    else:
        body.append('<p class="gold-summary">no gold for this article</p>')
    if article.problem:
        body.append(f'<p class="problem">{_esc(article.problem)}</p>')
    if article.offset_mismatches:
        body.append(f'<p class="problem">{article.offset_mismatches} entities whose text does not match '
                    "the raw file at their offsets</p>")
    if article.sidecar is None and article.raw is not None:
        body.append('<p class="problem">no clean/ sidecar: boilerplate not shown</p>')
    body.append(_legend(labels, article.gold is not None))
    if article.raw is not None:
        body.append(f'<div class="raw" id="raw">{render_raw(article)}</div>')
    return _page(f"{title} ({article.doc})", _css(labels), body)


def _metrics_table(metrics: dict) -> list[str]:
    groups = [k[: -len(".strict.f1")] for k in metrics if k.endswith(".strict.f1")]
    order = [g for g in (*LABELS, "core", "micro") if g in groups] + sorted(set(groups) - {*LABELS, "core", "micro"})
    cols = [("strict P", "strict.precision"), ("strict R", "strict.recall"), ("strict F1", "strict.f1"),
            ("overlap P", "overlap.precision"), ("overlap R", "overlap.recall"), ("overlap F1", "overlap.f1"),
            ("value acc", "value_accuracy")]
    rows = ['<table class="metrics"><tr><th></th>' + "".join(f'<th class="n">{c}</th>' for c, _ in cols) + "</tr>"]
    for g in order:
        cells = []
        for _, key in cols:
            v = metrics.get(f"{g}.{key}")
            cells.append(f'<td class="n">{"" if v is None else _esc(f"{v:.3f}" if isinstance(v, float) else v)}</td>')
        rows.append(f"<tr><th>{_esc(g)}</th>" + "".join(cells) + "</tr>")
    rows.append("</table>")
    shown = {f"{g}.{key}" for g in order for _, key in cols}
    rest = sorted(k for k in metrics if k not in shown)
    if rest:
        rows.append('<table class="metrics-other"><tr><th>metric</th><th class="n">value</th></tr>')
        for k in rest:
            v = metrics[k]
            rows.append(f'<tr><td>{_esc(k)}</td><td class="n">{_esc(f"{v:.4f}" if isinstance(v, float) else _fmt(v))}</td></tr>')
        rows.append("</table>")
    return rows


def index_page(articles: list[Article], labels: list[str], metrics: dict | None, with_gold: bool,
               unmatched_gold: list[str]) -> str:
    total = Counter(e["label"] for a in articles for e in a.predictions)
    body = ["<h1>Extraction review</h1>",
            f"<p>{len(articles)} articles, {sum(total.values())} entities, "
            f"{sum(int(a.info.get('words') or 0) for a in articles)} words.</p>",
            "<h2>Entities per label</h2>",
            "<table class=\"totals\"><tr>" + "".join(f'<th class="n">{_esc(label)}</th>' for label in labels)
            + '<th class="n">all</th></tr><tr>'
            + "".join(f'<td class="n">{total.get(label, 0)}</td>' for label in labels)
            + f'<td class="n">{sum(total.values())}</td></tr></table>']
    if with_gold:
        t = Counter()
        for a in articles:
            if a.gold is not None:
                t.update(a.tally())
        body.append(f'<p class="gold-summary">against the gold ({sum(1 for a in articles if a.gold)} articles): '
                    f'{t["match"]} match, {t["wrong-value"]} wrong value, {t["spurious"]} spurious, '
                    f'{t["missed"]} missed, {t["unscored"]} not scored</p>')
    body.append("<h2>Articles</h2>")
    head = ["article", "title", "published", "outlet", "words", *labels] + (["gold match / spurious / missed"]
                                                                           if with_gold else []) + ["status"]
    numeric = {"words", *labels}
    rows = ['<table class="articles"><tr>' + "".join(
        f'<th class="n">{_esc(h)}</th>' if h in numeric else f"<th>{_esc(h)}</th>" for h in head) + "</tr>"]
    for a in articles:
        info = a.info
        counts = Counter(e["label"] for e in a.predictions)
        cells = [f'<td><a href="docs/{page_name(a.doc)}">{_esc(a.doc)}</a></td>',
                 f"<td>{_esc(info.get('title') or '')}</td>", f"<td class=\"nowrap\">{_esc(info.get('published') or '')}</td>",
                 f"<td>{_esc(info.get('outlet') or '')}</td>", f'<td class="n">{_esc(_fmt(info.get("words") or 0))}</td>']
        cells += [f'<td class="n">{counts.get(label, 0)}</td>' for label in labels]
        if with_gold:
            if a.gold is not None:
                t = a.tally()
                cells.append(f'<td class="n">{t["match"] + t["wrong-value"]} / {t["spurious"]} / {t["missed"]}</td>')
            else:
                cells.append('<td class="n">—</td>')
        cells.append(f"<td>{_esc(info.get('status'))}</td>")
        cls = "" if info.get("status") == "ok" else ' class="failed"'
        rows.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    rows.append("</table>")
    body += rows
    if unmatched_gold:
        body.append('<p class="problem">gold files without an article in documents.jsonl: '
                    + ", ".join(_esc(n) for n in unmatched_gold) + "</p>")
    body.append("<h2>Metrics</h2>")
    if metrics:
        body += _metrics_table(metrics)
    else:
        body.append("<p>no metrics.json (run <code>pipeline evaluate</code>)</p>")
    return _page("Extraction review", _css(labels), body)


# --------------------------------------------------------------------------- entry point


def build_report(corpus: Path, out_dir: Path, gold_dir: Path | None) -> Path:
    """Write OUT/report/index.html and OUT/report/docs/<doc>.html from a run's outputs.

    Args:
        corpus: the corpus folder the run read (the raw texts are read again from it).
        out_dir: the run's output folder (documents.jsonl, entities.jsonl, clean/, metrics.json).
        gold_dir: a gold folder (<name>.jsonl, <name>.lines.json) to compare with, or None.
    Returns:
        The path of index.html.
    """
    corpus, out_dir = Path(corpus), Path(out_dir)
    if not (out_dir / "documents.jsonl").exists():
        raise FileNotFoundError(f"{out_dir / 'documents.jsonl'}: no run outputs (run `pipeline run` first)")
    articles, unmatched = _load_articles(corpus, out_dir, gold_dir)
    with_gold = any(a.gold is not None for a in articles)
    labels = _labels_of(articles)
    metrics_path = out_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else None

    root = out_dir / REPORT_DIR
    docs_dir = root / DOCS_DIR
    written = set()
    for article in articles:
        name = page_name(article.doc)
        written.add(name)
        atomic_write_text(docs_dir / name, article_page(article, labels))
    if docs_dir.is_dir():
        for stale in sorted(docs_dir.glob("*.html")):
            if stale.name not in written:
                stale.unlink()
    index = root / "index.html"
    atomic_write_text(index, index_page(articles, labels, metrics, with_gold, unmatched))
    return index
