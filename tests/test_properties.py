"""Property tests over random and mutated articles.

Extraction: every span satisfies raw[start:end] == text, spans are sorted and
never overlap, labels are valid. Cleaning: clean text is made only of pieces
of the raw text (each offset-map run equals its raw slice) and paragraph
separators.
"""

import html
import os
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.clean.cleaner import clean_html, clean_text
from pipeline.settings import LABELS
from pipeline.settings import Settings as PipelineSettings

from conftest import CORPUS

SEEDS = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
PIPELINE = PipelineSettings.load()
MODELS = Path(PIPELINE.models_dir)
SCALE = float(os.environ.get("PROPERTY_EXAMPLES_SCALE", 1))
SETTINGS = dict(deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])

# Pieces that exercise the rules: numbers, currencies, units, dates, name heads,
# page furniture, odd whitespace and characters.
INSERTS = [
    " ", "\n", "\n\n", "   ", "\t", "\u00a0", "\u3000", "\u2009", "\r\n", "\ufeff", "\u200b", "\x0c",
    "$", "%", "€", "¥", "£", "US$", "RMB", "HK$", "yuan", "dollars", "1", "7.5", "2019", "1,000", "12,345.6",
    "million", "billion", "percent", "per cent", "percentage points", "about", "more than", "between", "to", "and",
    "km", "tons", "square meters", "mu", "hectares", "(", ")", "[", "]", "“", "”", "’s", "'s", "-", "–", "—", "/",
    ".", ",", ":", "Jan", "March 3", "Sept. 12, 2018", "2018-01-26", "the first quarter of 2019", "last year",
    "Monday", "Co., Ltd", "Group", "Province", "county", "Village", "Bank of China", "Ministry of Commerce",
    "East China", "alibaba.com", "the", "The", "of", "Share - WeChat", "BACK TO THE TOP", "Copyright ©",
    "By LI WEI", "Updated: 2019-03-14 08:15", "(Xinhua)", "Home / News", "【1】【2】", "<p>", "&amp;", "é", "中国",
    "北京市", "Beijing", "Zhejiang province", "Alibaba", "Pinduoduo",
]


@st.composite
def mutated_articles(draw):
    """A corpus article after random deletions, insertions, case changes, duplications and whitespace collapsing."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["delete", "insert", "insert", "case", "collapse", "duplicate", "cut"]))
        i = int(draw(st.floats(0, 1)) * len(text))
        j = min(len(text), i + draw(st.integers(0, 400)))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            piece = draw(st.one_of(st.sampled_from(INSERTS), st.text(max_size=12)))
            text = text[:i] + piece + text[i:]
        elif op == "case":
            change = draw(st.sampled_from([str.upper, str.lower, str.title, str.swapcase]))
            text = text[:i] + change(text[i:j]) + text[j:]
        elif op == "collapse":  # a page whose whitespace was collapsed, in part or whole
            if draw(st.booleans()):
                i, j = 0, len(text)
            text = text[:i] + " ".join(text[i:j].split()) + text[j:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[i:j + 2000]
    return text


words = st.sampled_from(INSERTS + ["Alibaba Group Holding Ltd", "said", "sales", "rose", "in", "on", "a"])
random_pages = st.one_of(
    st.text(max_size=1500),
    st.lists(words, max_size=300).map(" ".join),
    st.lists(st.one_of(words, st.text(max_size=5)), max_size=300).map("".join),
)
articles = st.one_of(mutated_articles(), random_pages)


def _check_cleaning(raw, cleaned, verbatim=True):
    text, runs = cleaned.text, cleaned.offsets.runs
    covered = 0
    for run in runs:
        assert run.clean_start >= covered, ("runs overlap or go backwards", run)
        # Whatever is between two runs is a separator, never text of its own.
        assert not text[covered:run.clean_start].strip(), (text[covered:run.clean_start], run)
        piece = text[run.clean_start:run.clean_start + run.clean_len]
        assert 0 <= run.raw_start and run.raw_start + run.raw_len <= len(raw), run
        source = raw[run.raw_start:run.raw_start + run.raw_len]
        if verbatim or run.clean_len == run.raw_len:
            assert piece == source, (piece, source, run)
        elif piece == " ":  # a whitespace run of the page, collapsed (tags inside it included)
            assert not html.unescape(re.sub(r"<[^>]*>", "", source)).strip(), (piece, source, run)
        else:
            assert piece == html.unescape(source), (piece, source, run)
        covered = run.clean_start + run.clean_len
    assert not text[covered:].strip()
    for block in cleaned.blocks:
        assert 0 <= block.start <= block.end <= len(raw), block


@settings(max_examples=int(200 * SCALE), **SETTINGS)
@given(articles)
def test_cleaning_only_copies_raw_text(raw):
    _check_cleaning(raw, clean_text(raw, PIPELINE.clean, MODELS))


@st.composite
def html_pages(draw):
    article = draw(mutated_articles())
    paragraphs = [p for p in article.split("\n") if p.strip()][:12]
    furniture = st.sampled_from([
        "<script>var x = '<p>SCRIPT</p>'; if (a < b) {}</script>", "<style>p { color: red }</style>",
        "<nav>Home / News</nav>", "<div class='share'>Share - WeChat</div>", "<br>", "&nbsp;", "<!-- comment -->",
    ])
    body = []
    for p in paragraphs:
        if draw(st.booleans()):
            body.append(draw(furniture))
        escaped = html.escape(p, quote=False)
        if draw(st.booleans()):
            escaped = escaped.replace("’", "&#8217;").replace("“", "&ldquo;")
        body.append(f"<p>{escaped}</p>")
    title = html.escape(paragraphs[0] if paragraphs else "")
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><article>\n"
            + "\n".join(body) + "\n</article></body></html>")


@settings(max_examples=int(40 * SCALE), **SETTINGS)
@given(html_pages())
def test_html_cleaning_maps_back_to_the_page(page):
    cleaned = clean_html(page, PIPELINE.clean, MODELS)
    _check_cleaning(page, cleaned, verbatim=False)
    assert "SCRIPT" not in cleaned.text and "color: red" not in cleaned.text


def _check_entities(raw, entities):
    end = 0
    for e in entities:
        assert e["doc"] == "prop" and e["label"] in LABELS, e
        assert 0 <= e["start"] < e["end"] <= len(raw), e
        assert raw[e["start"]:e["end"]] == e["text"], e
        assert e["start"] >= end, ("overlapping or unsorted spans", e)
        end = e["end"]


@settings(max_examples=int(60 * SCALE), **SETTINGS)
@given(articles)
def test_extractor_spans_match_raw_text(extractor, raw):
    cleaned = clean_text(raw, PIPELINE.clean, MODELS)
    _check_entities(raw, extractor.entities("prop", raw, cleaned))


@settings(max_examples=int(15 * SCALE), **SETTINGS)
@given(html_pages())
def test_extractor_spans_match_raw_html(extractor, page):
    cleaned = clean_html(page, PIPELINE.clean, MODELS)
    _check_entities(page, extractor.entities("prop", page, cleaned))
