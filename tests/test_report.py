"""`pipeline report`: the static review site, on small hand-written outputs.

Part (a) checks the HTML itself; part (b) renders an article page in headless
Chromium (skipped when /usr/bin/chromium is not installed).
"""

import hashlib
import json
import re
import struct
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.review.report import build_report, page_name

CHROMIUM = Path("/usr/bin/chromium")

# Article "a": a share bar and a copyright line around one body line (with
# characters HTML must escape). Article "news/b" lives in a subfolder.
A_LINES = [
    "Share this | Print",
    "Acme Corp pays 120 million yuan to Beijing Star & Co <partners> on 5 May 2024.",
    "Copyright 2024 Example News",
]
A_RAW = "\n".join(A_LINES) + "\n"
B_RAW = "Prices rose 5% in Shanghai.\n"


def _span(raw: str, text: str, label: str, after: int = 0, **values) -> dict:
    start = raw.index(text, after)
    return {"label": label, "start": start, "end": start + len(text), "text": text, **values}


def _jsonl(records) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _doc_info(doc: str, path: str, raw: str, title: str, words: int, removed: int, entities: int) -> dict:
    return {"doc": doc, "path": path, "sha256": hashlib.sha256(raw.encode("utf-8")).hexdigest(),
            "encoding": "utf-8", "title": title, "published": "2024-05-06", "outlet": "Example News",
            "words": words, "lines_removed": removed, "entities": entities, "status": "ok"}


def _line_blocks(raw: str, kinds: list[str]) -> list[list]:
    blocks, pos = [], 0
    for i, (line, kind) in enumerate(zip(raw.split("\n"), kinds)):
        blocks.append([pos, pos + len(line), i, kind])
        pos += len(line) + 1
    return blocks


@pytest.fixture()
def site(tmp_path):
    """A 2-article corpus, its outputs (entities, documents, clean sidecars, metrics) and one gold file."""
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    (corpus / "news").mkdir(parents=True)
    (corpus / "gold").mkdir()
    (out / "clean" / "news").mkdir(parents=True)
    (corpus / "a.txt").write_text(A_RAW, encoding="utf-8", newline="\n")
    (corpus / "news" / "b.txt").write_text(B_RAW, encoding="utf-8", newline="\n")

    pred_a = [
        _span(A_RAW, "Acme Corp", "ORG"),                                       # match
        _span(A_RAW, "120 million yuan", "MONEY", amount=120000000, currency="CNY", qualifier="exact"),  # match
        _span(A_RAW, "Beijing", "PLACE"),                                       # spurious, inside a missed ORG
        _span(A_RAW, "5 May", "DATE", value="2024-05-05"),                      # spurious, crosses a missed DATE
    ]
    gold_a = [
        _span(A_RAW, "Acme Corp", "ORG"),
        _span(A_RAW, "120 million yuan", "MONEY", amount=120000000, currency="CNY", qualifier="exact"),
        _span(A_RAW, "Beijing Star & Co", "ORG"),
        _span(A_RAW, "May 2024", "DATE", A_RAW.index("5 May"), value="2024-05"),
    ]
    pred_b = [_span(B_RAW, "5%", "PERCENT", value=5, qualifier="exact"), _span(B_RAW, "Shanghai", "PLACE")]
    (out / "entities.jsonl").write_text(
        _jsonl([{"doc": "a", **e} for e in pred_a] + [{"doc": "news/b", **e} for e in pred_b]), encoding="utf-8")
    (out / "documents.jsonl").write_text(_jsonl([
        _doc_info("a", "a.txt", A_RAW, "Acme pays", 15, 2, len(pred_a)),
        _doc_info("news/b", "news/b.txt", B_RAW, "Prices & <rises>", 5, 0, len(pred_b)),
    ]), encoding="utf-8")
    side_a = {"doc": "a", "title": None, "published": None, "outlet": None, "removed": 2,
              "boilerplate_lines": [0, 2], "blocks": _line_blocks(A_RAW, ["boilerplate", "body", "boilerplate"]),
              "offsets": []}
    side_b = {"doc": "news/b", "title": None, "published": None, "outlet": None, "removed": 0,
              "boilerplate_lines": [], "blocks": _line_blocks(B_RAW, ["body"]), "offsets": []}
    (out / "clean" / "a.json").write_text(json.dumps(side_a), encoding="utf-8")
    (out / "clean" / "news" / "b.json").write_text(json.dumps(side_b), encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps({"ORG.strict.f1": 0.6667, "ORG.strict.precision": 1.0,
                                                  "ORG.strict.recall": 0.5, "cleaning.f1": 1.0}), encoding="utf-8")
    (corpus / "gold" / "a.jsonl").write_text(_jsonl([{"doc": "a", **g} for g in gold_a]), encoding="utf-8")
    (corpus / "gold" / "a.lines.json").write_text('{"boilerplate": [0, 2], "either": []}', encoding="utf-8")
    return corpus, out


class RawView(HTMLParser):
    """The text inside div#raw, and every span/mark in it merged by data-span (pieces joined)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # > 0 inside div#raw
        self.open: list[dict | None] = []
        self.text: list[str] = []
        self.spans: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth == 0:
            if tag == "div" and attrs.get("id") == "raw":
                self.depth = 1
            return
        self.depth += 1
        sid = attrs.get("data-span")
        if sid is None:
            self.open.append(None)
            return
        rec = self.spans.setdefault(sid, {"tag": tag, "classes": set(), "pieces": 0, "text": "",
                                          "label": attrs.get("data-label"), "title": attrs.get("title")})
        rec["classes"].update((attrs.get("class") or "").split())
        rec["pieces"] += 1
        self.open.append(rec)

    def handle_endtag(self, tag):
        if self.depth == 0:
            return
        self.depth -= 1
        if self.depth and self.open:
            self.open.pop()

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)
            for rec in self.open:
                if rec is not None:
                    rec["text"] += data

    def find(self, text: str, cls: str) -> dict:
        found = [r for r in self.spans.values() if r["text"] == text and cls in r["classes"]]
        assert len(found) == 1, (text, cls, self.spans)
        return found[0]


def _view(page: Path) -> RawView:
    view = RawView()
    view.feed(page.read_text(encoding="utf-8"))
    view.close()
    return view


# --------------------------------------------------------------------------- (a) the HTML


def test_files_and_index(site):
    corpus, out = site
    index = build_report(corpus, out, corpus / "gold").index
    assert index == out / "report" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert page_name("a") == "a.html"
    b_name = page_name("news/b")
    assert "/" not in b_name and b_name.endswith(".html") and b_name != page_name("news_b")
    assert sorted(p.name for p in (out / "report" / "docs").iterdir()) == sorted(["a.html", b_name])
    assert 'href="docs/a.html"' in html and f'href="docs/{b_name}"' in html
    assert "Prices &amp; &lt;rises&gt;" in html  # titles escaped
    assert "2024-05-06" in html and "Example News" in html
    for label in ("ORG", "PLACE", "MONEY", "PERCENT", "DATE", "QUANTITY"):
        assert f">{label}</th>" in html
    # Overall per-label counts: ORG 1, PLACE 2, MONEY 1, PERCENT 1, DATE 1, QUANTITY 0, all 6.
    totals = re.search(r'<table class="totals">.*?</table>', html, re.S).group(0)
    assert re.findall(r'<td class="n">(\d+)</td>', totals) == ["1", "2", "1", "1", "1", "0", "6"]
    # The metrics table from metrics.json.
    assert '<table class="metrics">' in html and "0.667" in html and "cleaning.f1" in html
    assert "<script src" not in html and "http://" not in html and "https://" not in html


def test_article_page_marks(site):
    corpus, out = site
    build_report(corpus, out, corpus / "gold")
    page = out / "report" / "docs" / "a.html"
    html = page.read_text(encoding="utf-8")
    view = _view(page)

    acme = view.find("Acme Corp", "ent")
    assert acme["label"] == "ORG" and {"match", "l-ORG", "first", "last"} <= acme["classes"]
    money = view.find("120 million yuan", "ent")
    assert money["label"] == "MONEY" and "match" in money["classes"]
    assert money["title"].startswith("MONEY amount=120000000 currency=CNY qualifier=exact")
    assert 'title="MONEY amount=120000000 currency=CNY qualifier=exact' in html

    # A spurious prediction inside a gold span it missed: nested, not split.
    beijing = view.find("Beijing", "ent")
    assert beijing["label"] == "PLACE" and "spurious" in beijing["classes"] and beijing["pieces"] == 1
    star = view.find("Beijing Star & Co", "missed")
    assert star["label"] == "ORG" and star["pieces"] == 1 and "ent" not in star["classes"]
    assert "ORG" in star["title"] and "missed" in star["title"]

    # Crossing spans: "5 May" predicted, "May 2024" in gold; "May" is written once.
    five = view.find("5 May", "ent")
    assert "spurious" in five["classes"] and five["title"].startswith("DATE value=2024-05-05")
    may = view.find("May 2024", "missed")
    assert may["label"] == "DATE" and may["pieces"] == 2 and {"first", "last"} <= may["classes"]
    assert may["title"].startswith("DATE value=2024-05")

    # Every entity mark carries its label; the label is drawn with CSS, not text.
    for rec in view.spans.values():
        if rec["tag"] == "mark":
            assert rec["label"] in ("ORG", "PLACE", "MONEY", "PERCENT", "DATE", "QUANTITY")
    assert "content: attr(data-label)" in html

    # Boilerplate lines greyed out, the body line not.
    grey = [r["text"] for r in view.spans.values() if "boilerplate" in r["classes"]]
    assert grey == ["Share this | Print", "Copyright 2024 Example News"]
    assert ".boilerplate {" in html and "white-space: pre-wrap" in html

    # The text is the raw text, escaped, each character once.
    assert "".join(view.text) == A_RAW
    assert "&lt;partners&gt;" in html and "<partners>" not in html and "Star &amp; Co" in html
    assert "<script src" not in html and "http://" not in html and "https://" not in html


def test_page_without_gold(site):
    corpus, out = site
    build_report(corpus, out, corpus / "gold")
    page = out / "report" / "docs" / page_name("news/b")
    view = _view(page)
    assert "".join(view.text) == B_RAW
    pct = view.find("5%", "ent")
    assert pct["label"] == "PERCENT" and pct["title"] == "PERCENT value=5 qualifier=exact"
    assert not any({"match", "spurious", "missed"} & r["classes"] for r in view.spans.values())
    assert "no gold for this article" in page.read_text(encoding="utf-8")

    build_report(corpus, out, None)  # no gold at all: plain marks on "a" too
    view = _view(out / "report" / "docs" / "a.html")
    assert "".join(view.text) == A_RAW
    assert not any({"match", "spurious", "missed"} & r["classes"] for r in view.spans.values())
    assert len([r for r in view.spans.values() if "ent" in r["classes"]]) == 4


def test_deterministic_and_stale_pages_removed(site):
    corpus, out = site
    build_report(corpus, out, corpus / "gold")
    root = out / "report"
    first = {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    (root / "docs" / "gone.html").write_text("old", encoding="utf-8")
    build_report(corpus, out, corpus / "gold")
    second = {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    assert first == second
    assert not any(p.name.startswith(".") for p in root.rglob("*"))  # no temporary files left


def test_cli_report(site):
    from typer.testing import CliRunner

    from pipeline.cli import app

    corpus, out = site
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0 and "--gold" in result.output and "--out" in result.output
    result = runner.invoke(app, ["report", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert 'class="missed' in (out / "report" / "docs" / "a.html").read_text(encoding="utf-8")
    result = runner.invoke(app, ["report", str(corpus), "--out", str(out / "nothing")])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- (b) in a browser


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="/usr/bin/chromium not installed (apt-get install -y chromium) - browser check skipped")
def test_article_page_in_headless_chromium(site, tmp_path):
    corpus, out = site
    build_report(corpus, out, corpus / "gold")
    page = (out / "report" / "docs" / "a.html").resolve()

    dom = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert 'class="ent l-ORG match first last"' in rendered
    assert 'class="ent l-PLACE spurious first last"' in rendered
    assert 'class="missed l-ORG first last"' in rendered
    assert 'class="boilerplate first last"' in rendered
    assert 'data-label="MONEY"' in rendered
    # The browser's DOM holds the raw text once, in order.
    view = RawView()
    view.feed(rendered)
    assert "".join(view.text) == A_RAW
    assert view.find("May 2024", "missed")["pieces"] == 2

    shot = tmp_path / "shot.png"
    result = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,900", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 900)


# --------------------------------------------------------------------------- hostile records


PAYLOAD = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"


@pytest.fixture()
def hostile(site):
    """The site with a crafted label, text, value and title in entities.jsonl, documents.jsonl and the gold."""
    corpus, out = site
    entities = [json.loads(line) for line in (out / "entities.jsonl").read_text(encoding="utf-8").splitlines()]
    entities[0]["label"] = PAYLOAD
    entities[1]["currency"] = "</mark><script>document.body.setAttribute('data-pwned','1')</script>"
    entities.append({"doc": "a", "label": "ORG", "start": 0, "end": 5, "text": PAYLOAD,
                     "org": {"id": "\"><script>document.body.setAttribute('data-pwned','1')</script>", "name": "x"}})
    (out / "entities.jsonl").write_text(_jsonl(entities), encoding="utf-8")
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    docs[0]["title"] = "</title><script>document.body.setAttribute('data-pwned','1')</script>"
    docs[0]["outlet"] = PAYLOAD
    (out / "documents.jsonl").write_text(_jsonl(docs), encoding="utf-8")
    gold = [json.loads(line) for line in (corpus / "gold" / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    gold[2]["label"] = PAYLOAD
    (corpus / "gold" / "a.jsonl").write_text(_jsonl(gold), encoding="utf-8")
    return corpus, out


def test_crafted_labels_and_texts_are_written_as_text(hostile):
    corpus, out = hostile
    build_report(corpus, out, corpus / "gold")
    for page in (out / "report" / "index.html", out / "report" / "docs" / "a.html"):
        html = page.read_text(encoding="utf-8")
        assert "<img" not in html and "<script>document" not in html, page
        assert "onerror" not in html or "&lt;img src=x onerror=" in html
    html = (out / "report" / "docs" / "a.html").read_text(encoding="utf-8")
    assert 'data-label="&lt;img src=x onerror=&#34;document.body.setAttribute(&#39;data-pwned&#39;,&#39;1&#39;)&#34;&gt;"' in html
    assert "<td>&lt;img src=x onerror=" in html  # the table cell: the label as text
    assert "&lt;/title&gt;&lt;script&gt;" in html
    # The raw text is still the raw text, each character once.
    assert "".join(_view(out / "report" / "docs" / "a.html").text) == A_RAW


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="/usr/bin/chromium not installed (apt-get install -y chromium) - browser check skipped")
def test_crafted_label_does_not_run_in_chromium(hostile, tmp_path):
    corpus, out = hostile
    build_report(corpus, out, corpus / "gold")
    for page in (out / "report" / "docs" / "a.html", out / "report" / "index.html"):
        dom = _chromium(tmp_path, "--dump-dom", page.resolve().as_uri())
        assert dom.returncode == 0, dom.stderr[-2000:]
        body = re.search(r"<body[^>]*>", dom.stdout).group(0)
        assert "data-pwned" not in body, body  # no payload ran
        assert "<img" not in dom.stdout  # and none became an element
        assert "&lt;img src=x onerror=" in dom.stdout  # it is there, as text


def test_paths_outside_the_corpus_are_refused(site, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    corpus, out = site
    (tmp_path / "secret.txt").write_text("TOP SECRET\n", encoding="utf-8")
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    docs += [{"doc": "passwd", "path": "/etc/passwd", "status": "ok"},
             {"doc": "up", "path": "../secret.txt", "status": "ok"},
             {"doc": "../../secret", "path": "a.txt", "status": "ok"}]
    (out / "documents.jsonl").write_text(_jsonl(docs), encoding="utf-8")
    result = build_report(corpus, out, corpus / "gold")
    assert "/etc/passwd: raw file refused: documents.jsonl path '/etc/passwd' is absolute" in "\n".join(result.problems)
    assert "../secret.txt: raw file refused: documents.jsonl path '../secret.txt' climbs out with '..'" in \
        "\n".join(result.problems)
    pages = {p.name: p.read_text(encoding="utf-8") for p in (out / "report" / "docs").iterdir()}
    assert not any("root:" in html or "TOP SECRET" in html for html in pages.values())
    assert "raw file refused" in pages[page_name("passwd")] and 'id="raw"' not in pages[page_name("passwd")]
    assert "clean text refused: doc id" in pages[page_name("../../secret")]
    run = CliRunner().invoke(app, ["report", str(corpus), "--out", str(out)])
    assert run.exit_code == 0 and "raw file refused: documents.jsonl path '/etc/passwd'" in run.stderr


# --------------------------------------------------------------------------- reviewing: values, filters, HTML, compare


def test_values_inline_and_entity_count(site):
    corpus, out = site
    build_report(corpus, out, corpus / "gold")
    html = (out / "report" / "docs" / "a.html").read_text(encoding="utf-8")
    view = _view(out / "report" / "docs" / "a.html")
    money = view.find("120 million yuan", "ent")
    assert money["classes"] >= {"ent", "l-MONEY", "match"}
    assert 'data-value="120000000 CNY"' in html and 'data-value="2024-05-05"' in html
    # The value is drawn after the span by CSS (not only in the hover title), the DOM text stays the raw text.
    assert 'content: attr(data-label) " " attr(data-value)' in html
    assert "<dt>entities</dt><dd>4</dd>" in html and "<dd>—</dd>" not in html.split("<dt>entities</dt>")[1][:12]
    # The entity table holds the value as text, with gold status classes the filters use.
    assert re.search(r'<tr class="ent-row l-MONEY match c-same"><td>MONEY</td><td class="text">120 million yuan</td>'
                     r'<td class="n">\d+</td><td>120000000 CNY</td><td>match</td></tr>', html)
    assert '<tr class="ent-row l-ORG missed c-same"><td>ORG</td><td class="text">Beijing Star &amp; Co</td>' in html
    # Filters: one checkbox per label and per gold status, and the CSS each one toggles.
    for key in ("l-ORG", "l-QUANTITY", "match", "wrong-value", "spurious", "missed", "unscored"):
        assert f'data-key="{key}" checked' in html
        assert f".hide-{key} mark.{key} {{" in html and f".hide-{key} tr.{key} {{ display: none; }}" in html


HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Acme opens office in Springfield</title></head>
<body>
<nav><a href="/">Home</a> | <a href="/biz">Business</a> | Share this</nav>
<article>
<h1>Acme opens office in Springfield</h1>
<p>Acme Corp opened an office in Springfield on Monday, the company said in a statement to reporters on the day.</p>
<p>It paid $5 million for the building, up 12 percent on the offer from Shelbyville Bank &amp; Trust, according to people familiar with the matter.</p>
</article>
<footer>Copyright 2024 Example News. All rights reserved.</footer>
</body></html>
"""


def test_html_article_shown_as_clean_text(tmp_path, settings):
    from pipeline.run.corpus import process_corpus

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    (corpus / "page.html").write_text(HTML_PAGE, encoding="utf-8")
    process_corpus(corpus, out, settings, workers=1, stages=("clean",))
    clean = (out / "clean" / "page.txt").read_text(encoding="utf-8")
    ents = [_span(HTML_PAGE, "Acme Corp", "ORG"), _span(HTML_PAGE, "Shelbyville Bank &amp; Trust", "ORG"),
            _span(HTML_PAGE, "$5 million", "MONEY", amount=5000000, currency="USD"),
            _span(HTML_PAGE, "Home", "ORG")]  # in the menu: not in the clean text
    (out / "entities.jsonl").write_text(_jsonl([{"doc": "page", **e} for e in ents]), encoding="utf-8")
    build_report(corpus, out, None)
    page = out / "report" / "docs" / "page.html"
    html = page.read_text(encoding="utf-8")
    view = _view(page)
    assert "".join(view.text) == clean  # the clean text, not the page source
    assert 'data-view="clean"' in html and "&lt;nav&gt;" not in html and "href=&#34;/biz" not in html
    bank = view.find("Shelbyville Bank & Trust", "ent")  # raw offsets mapped through the offset map
    assert bank["label"] == "ORG"
    assert view.find("$5 million", "ent")["title"].startswith("MONEY amount=5000000 currency=USD")
    assert "1 spans lie outside the clean text shown" in html
    removed = re.search(r'<details class="removed" id="removed">(.*?)</details>', html, re.S).group(1)
    assert "Home | Business | Share this" in removed and "Copyright 2024 Example News" in removed
    assert "<a " not in removed


def _old_side(out: Path, root: Path) -> Path:
    """A copy of the site's outputs as an earlier run: one ORG more, MONEY valued differently, PLACE as ORG."""
    old = root / "old"
    (old / "clean").mkdir(parents=True)
    entities = [json.loads(line) for line in (out / "entities.jsonl").read_text(encoding="utf-8").splitlines()]
    changed = []
    for e in entities:
        if e["text"] == "120 million yuan":
            e = dict(e, amount=12000000)
        elif e["text"] == "Shanghai":
            e = dict(e, label="ORG")
        elif e["text"] == "5 May":
            continue  # added by the new run
        changed.append(e)
    changed.append({"doc": "a", "label": "ORG", "start": 0, "end": 5, "text": "Share"})  # removed by the new run
    (old / "entities.jsonl").write_text(_jsonl(changed), encoding="utf-8")
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    docs[0]["title"] = "Acme paid"
    (old / "documents.jsonl").write_text(_jsonl(docs), encoding="utf-8")
    (old / "clean" / "a.txt").write_text("Share this | Print\n\nAcme Corp pays.\n", encoding="utf-8")
    (out / "clean" / "a.txt").write_text("Acme Corp pays.\n", encoding="utf-8")
    return old


def test_compare_view_marks_what_changed(site, tmp_path):
    corpus, out = site
    old = _old_side(out, tmp_path)
    result = build_report(corpus, out, corpus / "gold", compare=str(old))
    html = (out / "report" / "docs" / "a.html").read_text(encoding="utf-8")
    view = _view(out / "report" / "docs" / "a.html")
    five = view.find("5 May", "ent")
    assert "c-added" in five["classes"] and "changed: added" in five["title"]
    money = view.find("120 million yuan", "ent")
    assert "c-changed" in money["classes"] and "amount 12000000 -> 120000000" in money["title"]
    assert 'data-was="amount 12000000 -&gt; 120000000"' in html
    share = view.find("Share", "was")
    assert share["label"] == "ORG" and "c-removed" in share["classes"]
    assert "".join(view.text) == A_RAW  # the removed span is marked on the text, not added to it
    assert "compared with " in html and "1 added, 1 removed, 1 changed" in html
    assert "document: title Acme paid -&gt; Acme pays" in html
    assert '<span class="diff-del">-Share this | Print</span>' in html
    for key in ("c-added", "c-changed", "c-removed", "c-same"):
        assert f'data-key="{key}" checked' in html
    b = (out / "report" / "docs" / page_name("news/b")).read_text(encoding="utf-8")
    assert "c-changed" in _view(out / "report" / "docs" / page_name("news/b")).find("Shanghai", "ent")["classes"]
    assert "relabeled: ORG -&gt; PLACE" in b
    index = result.index.read_text(encoding="utf-8")
    assert "changed articles: " in index and '<tr class=" changed">' in index
    assert "+1 −1 ~1 · metadata · cleaning" in index
    # Without --compare nothing is marked.
    build_report(corpus, out, corpus / "gold")
    assert not any({"c-added", "c-changed", "was"} & r["classes"] for r in _view(out / "report" / "docs" / "a.html").spans.values())
    assert 'data-key="c-added"' not in (out / "report" / "docs" / "a.html").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_compare_with_a_git_revision(site, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    corpus, out = site
    old = _old_side(out, tmp_path)
    repo = tmp_path / "repo"
    shutil.copytree(corpus, repo / "corpus")
    shutil.copytree(old, repo / "outputs")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "old run"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                        *args], cwd=repo, check=True, capture_output=True)
    shutil.rmtree(repo / "outputs")
    shutil.copytree(out, repo / "outputs")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["report", "corpus", "--out", "outputs", "--compare", "HEAD"])
    assert result.exit_code == 0, result.output
    html = (repo / "outputs" / "report" / "docs" / "a.html").read_text(encoding="utf-8")
    assert "compared with HEAD: 1 added, 1 removed, 1 changed" in html
    bad = CliRunner().invoke(app, ["report", str(corpus), "--out", str(out), "--compare", "no-such-rev"])
    assert bad.exit_code == 2 and "neither an output folder nor a git revision" in bad.stderr


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="/usr/bin/chromium not installed (apt-get install -y chromium) - browser check skipped")
def test_filters_and_compare_view_in_chromium(site, tmp_path):
    corpus, out = site
    old = _old_side(out, tmp_path)
    build_report(corpus, out, corpus / "gold", compare=str(old))
    page = (out / "report" / "docs" / "a.html").resolve()
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert re.search(r'<span id="shown">7 of 7 shown</span>', dom)  # 4 predictions, 2 missed, 1 removed
    # A filtered view from the URL: PLACE and spurious hidden, the count is what the browser computes.
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri() + "#hide=l-PLACE,spurious").stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert "hide-l-PLACE" in body and "hide-spurious" in body and "hide-l-ORG" not in body
    assert re.search(r'<span id="shown">5 of 7 shown</span>', dom)
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri() + "#hide=c-same").stdout
    assert re.search(r'<span id="shown">3 of 7 shown</span>', dom)  # only the changes: added, changed, removed
    for name, url in (("compare", page.as_uri()), ("filtered", page.as_uri() + "#hide=l-PLACE,spurious")):
        shot = tmp_path / f"{name}.png"
        result = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,900", "--hide-scrollbars", url)
        assert result.returncode == 0, result.stderr[-2000:]
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
