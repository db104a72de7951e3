"""Boilerplate removal: raw article (plain text or HTML) in, clean text out.

Plain text is the main case. The page is cut into blocks (lines; or, for a
page whose whitespace was collapsed into one line, sentences and widget
phrases), each block is classified with jusText-like features (length,
stopword density, furniture vocabulary from models/cleaning/boilerplate.yml)
and its position relative to the article (title, byline, body), and the
content blocks are kept verbatim. Clean text is those blocks joined by blank
lines, with an `OffsetMap` back to raw offsets.

HTML: the page's visible text is cut into blocks at block-level tags and
classified by the same rules; trafilatura (for recall) marks the article, and
what the rules call content inside it is kept too. Offsets point into the raw
HTML.

Every clean document also says how suspicious it is (`warnings`: most of the
prose lost) and which language it is in (`language`).
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import yaml

from pipeline.clean.language import detect_language
from pipeline.clean.offsets import OffsetMap, TextBuilder
from pipeline.settings import MODELS_DIR, CleanSettings


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    """English function words (models/cleaning/stopwords.txt, made from spaCy's list by
    scripts/build_stopwords.py): read from a file so cleaning never imports spaCy."""
    path = MODELS_DIR / "cleaning" / "stopwords.txt"
    return frozenset(w for w in path.read_text(encoding="utf-8").split("\n") if w and not w.startswith("#"))

BOILERPLATE = "boilerplate"
TITLE, BYLINE, BODY, SHORT = "title", "byline", "body", "short"
CONTENT_KINDS = (TITLE, BYLINE, BODY, SHORT)
PARAGRAPH_BREAK = "\n\n"
# A short block that ends like a sentence and has this many words is prose
# (a closing quote, a caption), even after the last long paragraph.
SENTENCE_MIN_WORDS = 5
# A social or language bar has at most this many words per platform or language name.
BAR_WORDS_PER_NAME = 4
# Headlines have at least this many words; mastheads and section names fewer.
TITLE_MIN_WORDS = 5
# Paragraphs end with punctuation; a line this long without it is prose anyway.
PROSE_WITHOUT_PUNCTUATION_WORDS = 30
SENTENCE_FINAL = ".!?\"”’"
# Sustained prose after an end-of-article marker re-opens the article: this
# many body blocks in a row with this many words in all (a related-story
# teaser is one or two sentences under its headline).
REOPEN_MIN_BLOCKS = 3
REOPEN_MIN_WORDS = 80
# Byline blocks (at most this many) and one headline just before re-opened
# prose belong to its story.
REOPEN_LOOKBACK = 3
# Stray opening brackets and separators a page glues after a sentence.
TRAILING_JUNK = " \t[({|·•"
CREDIT_RE = re.compile(r"[(\[][^()\[\]]{0,80}[)\]]$")  # no leading \s*: it would rescan whitespace runs

# Five or more capitalized words in a row (joined by spaces or "&"): a menu candidate.
CAPITALIZED_RUN_RE = re.compile(r"(?:[A-Z][\w'-]*(?:\s+[&/|])?\s+){4,}[A-Z][\w'-]*")
BREADCRUMB_SEPARATOR_RE = re.compile(r"[/>|»]")
WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")
# Sentence ends in a collapsed page: punctuation, optional closing quote, space, capital.
SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"”’')\]]?\s+(?=[\"“‘(]?[A-Z0-9])")
# The token a full stop closes ("Nov", "U.S"), and what a dotted acronym looks like.
TOKEN_BEFORE_DOT_RE = re.compile(r"(?:^|(?<=[\s(\"“‘]))([A-Za-z](?:[A-Za-z.]{0,10}))\.$")
DOTTED_ACRONYM_RE = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
# How far into the first paragraph a dateline may name the outlet.
DATELINE_CHARS = 200  # a one-line page can glue the title before the dateline
SOURCE_RE = re.compile(r"\bSource\s*:\s*([A-Z][\w.'’&-]*(?:\s+(?!Updated\b)[A-Z][\w.'’&-]*){0,4})")
MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
MONTH_NUM = {m: i for i, m in enumerate(MONTHS.split("|"), start=1)}
DATE_PATTERNS = (
    re.compile(r"\b(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})-(?P<mon>{MONTHS})[a-z]*-(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<mon>{MONTHS})[a-z]*\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<mon>{MONTHS})[a-z]*\.?,?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(r"\b(?P<d>[0-2]\d|3[01])\.(?P<m>0[1-9]|1[0-2])\.(?P<y>(?:19|20)\d\d)\b"),  # "Date 03.12.2020"
)
# Last resort for the publication date, in the page's first characters: a date right after a
# publication cue or after a byline's names ("Published On 6 Oct 2022", "Date 10.08.2021",
# "By Rena Kurosawa and Daniel Hobbs November 10, 2020"), as one-line pages keep them.
PUBLISHED_CUE_CHARS = 3000
PUBLISHED_FIRST_DATE_CHARS = 1500
PUBLISHED_CUE_RES = (
    re.compile(r"\b(?i:published|posted|updated|first published|last updated|date)(?i:\s+on)?\s*:?\s*"),
    re.compile(r"\bBy\s+[A-Z][\w'’.-]+(?:\s+(?:and\s+)?(?!(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d)"
               r"[A-Z][\w'’.-]+){1,7}\s+"),
)
# "04/10/2024": day first or month first, told by a part over 12, else by how the page writes dates.
NUMERIC_DATE_RE = re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>(?:19|20)\d\d)\b")
# Where a page states its date when no byline or dateline does: a short line
# before the body that is a date and a time and little else.
HEADER_DATELINE_CHARS = 120
CREDIT_MAX_WORDS = 12
DATELINE_MAX_OTHER_WORDS = 2
DATELINE_NOISE_RE = re.compile(
    r"\b\d{1,2}[:.]\d{2}\b|\b(?:[AaPp]\.?[Mm]\.?|[A-Z]{2,4}(?:[+-]\d{1,2})?)\b|[|:,()\-–]|\b(?i:updated|"
    r"published|posted|last|ago|an|a|hours?|minutes?|days?|on|at|date|time|mon|tue|wed|thu|fri|sat|sun)\w*\b")


@dataclass(frozen=True)
class Block:
    start: int  # raw offsets, stripped of surrounding whitespace
    end: int
    line: int  # raw line index (0-based, raw.split("\n"))
    kind: str


@dataclass
class CleanedDocument:
    text: str
    offsets: OffsetMap
    blocks: list[Block]
    title: str | None = None
    published: str | None = None  # ISO date, from the byline/dateline
    outlet: str | None = None
    removed: int = 0  # boilerplate blocks removed
    boilerplate_lines: list[int] = field(default_factory=list)
    # Reasons the result is suspicious (the run turns them into a `warning:` status).
    warnings: list[str] = field(default_factory=list)
    language: str | None = None  # ISO 639-1, None when too little text to tell

    @property
    def words(self) -> int:
        return len(WORD_RE.findall(self.text))


@dataclass(frozen=True)
class Vocabulary:
    """Compiled form of models/cleaning/boilerplate.yml."""

    strong: tuple[re.Pattern, ...]
    weak: tuple[re.Pattern, ...]
    ends_article: tuple[re.Pattern, ...]
    footer: tuple[re.Pattern, ...]
    footer_max_words: int
    script_cues: tuple[re.Pattern, ...]
    min_script_cues: int
    caption: tuple[re.Pattern, ...]
    credit_line: tuple[re.Pattern, ...]
    closing: tuple[re.Pattern, ...]
    dateline: tuple[re.Pattern, ...]
    abbreviations: frozenset[str]
    byline: tuple[re.Pattern, ...]
    social_words: tuple[str, ...]
    language_words: tuple[str, ...]
    min_bar_words: int
    menu_words: frozenset[str]
    min_menu_hits: int
    min_menu_words: int
    collapsed_markers: re.Pattern
    english_words: frozenset[str]
    english_min_share: float


@lru_cache(maxsize=4)
def load_vocabulary(path: Path) -> Vocabulary:
    """Compile the furniture vocabulary once per process."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def compile_all(key: str) -> tuple[re.Pattern, ...]:
        return tuple(re.compile(p, re.I) for p in data.get(key, []))

    return Vocabulary(
        strong=compile_all("strong"),
        weak=compile_all("weak"),
        ends_article=compile_all("ends_article"),
        footer=compile_all("footer"),
        footer_max_words=int(data.get("footer_max_words", 40)),
        script_cues=compile_all("script_cues"),
        min_script_cues=int(data.get("min_script_cues", 2)),
        caption=compile_all("caption"),
        credit_line=compile_all("credit_line"),
        closing=compile_all("closing"),
        dateline=compile_all("dateline"),
        abbreviations=frozenset(w.lower() for w in data.get("abbreviations", [])),
        byline=compile_all("byline"),
        social_words=tuple(w.lower() for w in data.get("social_words", [])),
        language_words=tuple(w.lower() for w in data.get("language_words", [])),
        min_bar_words=int(data.get("min_bar_words", 2)),
        menu_words=frozenset(w.lower() for w in data.get("menu_words", [])),
        min_menu_hits=int(data.get("min_menu_hits", 3)),
        min_menu_words=int(data.get("min_menu_words", 5)),
        collapsed_markers=re.compile("|".join(f"(?:{p})" for p in data["collapsed_markers"])),
        english_words=frozenset(w.lower() for w in data.get("english_function_words", [])),
        english_min_share=float(data.get("english_min_share", 1.0)),
    )


def vocabulary_path(models_dir: Path) -> Path:
    return models_dir / "cleaning" / "boilerplate.yml"


# --------------------------------------------------------------------------- plain text


def split_blocks(raw: str, settings: CleanSettings, vocab: Vocabulary) -> list[tuple[int, int, int]]:
    """Cut raw text into (start, end, line) blocks, whitespace-stripped.

    Lines are blocks. In a collapsed page (a few very long lines) each long
    line is further cut at sentence ends and around widget phrases.
    """
    lines = raw.split("\n")
    nonblank = sum(1 for ln in lines if ln.strip())
    collapsed = nonblank <= settings.collapsed_max_lines
    blocks: list[tuple[int, int, int]] = []
    pos = 0
    for index, line in enumerate(lines):
        if collapsed and len(line) >= settings.collapsed_min_chars:
            cuts = _collapsed_cuts(line, vocab)
        else:
            cuts = [0, len(line)]
        for a, b in zip(cuts, cuts[1:]):
            piece = line[a:b]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                s = pos + a + lead
                blocks.append((s, s + len(stripped), index))
        pos += len(line) + 1
    return blocks


def _collapsed_cuts(line: str, vocab: Vocabulary) -> list[int]:
    cuts = {0, len(line)}
    for m in SENTENCE_END_RE.finditer(line):
        if not _after_abbreviation(line, m.start(), vocab):
            cuts.add(m.end())
    for m in vocab.collapsed_markers.finditer(line):
        cuts.add(m.start())
        cuts.add(m.end())
    for m in CAPITALIZED_RUN_RE.finditer(line):  # menu bars: "HOME CHINA WORLD BUSINESS ..."
        if _is_menu(m.group(0), vocab):
            # The bar ends at its last section name: "... More China | From wolfberries to ..."
            words = list(re.finditer(r"[\w'-]+", m.group(0)))
            last = max((w for w in words if w.group(0).lower() in vocab.menu_words), key=lambda w: w.end())
            cuts.add(m.start())
            cuts.add(m.start() + last.end())
    return sorted(cuts)


def _after_abbreviation(line: str, end: int, vocab: Vocabulary) -> bool:
    """Whether the full stop just before `end` closes an abbreviation ("Nov.", "Mr.", "U.S.", "J.")."""
    if line[end - 1] != ".":
        return False
    m = TOKEN_BEFORE_DOT_RE.search(line, max(0, end - 24), end)
    if m is None:
        return False
    token = m.group(1)
    return (token.lower() in vocab.abbreviations or (len(token) == 1 and token.isupper())
            or bool(DOTTED_ACRONYM_RE.fullmatch(token)))


def _words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def _is_prose(text: str, settings: CleanSettings) -> bool:
    words = _words(text)
    if len(words) < settings.prose_min_words:
        return False
    body = CREDIT_RE.sub("", text).rstrip()
    if len(words) < PROSE_WITHOUT_PUNCTUATION_WORDS and (not body or body[-1] not in SENTENCE_FINAL + ":;,"):
        return False  # a headline or standfirst, not a paragraph
    stop = sum(1 for w in words if w.lower() in _stop_words())
    return stop / len(words) >= settings.prose_min_stopword_ratio


def _is_sentence(text: str) -> bool:
    """A complete sentence or caption: several words, a stopword, final punctuation."""
    words = _words(text)
    body = CREDIT_RE.sub("", text).rstrip(TRAILING_JUNK)  # "... 2020. (Xinhua/Wang Peng)", "... she said. ["
    return (len(words) >= SENTENCE_MIN_WORDS and bool(body) and body[-1] in SENTENCE_FINAL
            and any(w.lower() in _stop_words() for w in words))


def _is_bar(text: str, vocab: Vocabulary) -> bool:
    """Social-media or language-switch bars: several such names on one short line, and little else.

    "Follow us on Facebook and Twitter, the museum told visitors ..." names
    two platforms but is a sentence: the names must make up at least one
    word in BAR_WORDS_PER_NAME.
    """
    low = text.lower()
    words = len(_words(text))
    if words > 25:
        return False
    if _is_platform_link(low, vocab):
        return True
    hits = sum(1 for w in vocab.social_words if w in low) + sum(1 for w in vocab.language_words if w in low)
    if not hits or hits * BAR_WORDS_PER_NAME < words:
        return False
    return hits >= vocab.min_bar_words or any(w in low for w in vocab.language_words if len(w) > 3)


def _is_platform_link(low: str, vocab: Vocabulary) -> bool:
    """One share or follow button of a bar laid out a line each: "Facebook", "Share Article via
    LinkedIn", "Calloway Diagnostics on LinkedIn" (a platform last, alone or after on/via/at)."""
    line = low.rstrip(" .")
    if not line or len(line.split()) > 4:
        return False
    platform = next((w for w in vocab.social_words if line.endswith(w)), None)
    if platform is None:
        return False
    before = line[: -len(platform)].split()
    return not before or before[-1] in ("on", "via", "at")


def _is_menu(text: str, vocab: Vocabulary) -> bool:
    """A row of section names: only capitalized words, several of them menu words."""
    words = [w for w in re.split(r"[\s|/&·•]+", text) if w]
    if len(words) < vocab.min_menu_words or any(not w[0].isupper() for w in words if w[0].isalpha()):
        return False
    return sum(1 for w in words if w.lower() in vocab.menu_words) >= vocab.min_menu_hits


def _is_breadcrumb(text: str) -> bool:
    """"Home / Business / Companies", "News > Updates > ICBC News", "Business / Companies"."""
    parts = [p.strip() for p in BREADCRUMB_SEPARATOR_RE.split(text)]
    if len(parts) < 2 or len(parts) == 2 and not all(p[:1].isupper() and len(p.split()) <= 2 for p in parts):
        return False
    return all(0 < len(p.split()) <= 4 for p in parts if p) and not text.rstrip().endswith(".")


def _any(patterns: tuple[re.Pattern, ...], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def _is_script(text: str, vocab: Vocabulary) -> bool:
    """A scraped script fragment (several code cues), perhaps glued to a title and a date."""
    return sum(1 for p in vocab.script_cues if p.search(text)) >= vocab.min_script_cues


def _is_caption(text: str, vocab: Vocabulary) -> bool:
    """A photo caption that lost its final full stop: a credit or "Photo shows", several words, a stopword."""
    words = _words(text)
    return (_any(vocab.caption, text) and len(words) >= SENTENCE_MIN_WORDS
            and any(w.lower() in _stop_words() for w in words))


def _is_footer(text: str, settings: CleanSettings, vocab: Vocabulary) -> bool:
    """A copyright notice on a footer-shaped block, not a paragraph that mentions copyright."""
    return (_any(vocab.footer, text) and len(_words(text)) <= vocab.footer_max_words
            and not _is_prose(text, settings))


def classify_blocks(raw: str, spans: list[tuple[int, int, int]], settings: CleanSettings,
                    vocab: Vocabulary) -> list[Block]:
    """Give each block a kind: title, byline, body, short, or boilerplate."""
    texts = [raw[s:e] for s, e, _ in spans]
    kinds: list[str | None] = []
    ends: list[bool] = []  # end-of-article markers: footers, "Most Read", comment boxes
    for text in texts:
        if _any(vocab.credit_line, text) and len(_words(text)) <= CREDIT_MAX_WORDS:
            ends.append(False)
            kinds.append(BYLINE)  # a photo credit: content, kept wherever the caption stands
            continue
        footer = _is_footer(text, settings, vocab)
        ends.append(footer or _any(vocab.ends_article, text))
        if footer or _any(vocab.strong, text) or _is_script(text, vocab):
            kinds.append(BOILERPLATE)
        elif _any(vocab.byline, text) and len(_words(text)) <= 40:
            kinds.append(BYLINE)
        elif _is_bar(text, vocab) or _is_breadcrumb(text) or _is_menu(text, vocab):
            kinds.append(BOILERPLATE)
        elif _is_prose(text, settings) or _is_sentence(text):
            kinds.append(BODY)
        else:
            kinds.append(None)  # decided by position below

    first_body = next((i for i, k in enumerate(kinds) if k == BODY), len(kinds))
    opened = _open_blocks(texts, kinds, ends, first_body, settings)
    body = [i for i, k in enumerate(kinds) if k == BODY and opened[i]]
    last_body = body[-1] if body else len(kinds)

    # The title: the first short line with enough words before the body/byline.
    head_end = min([first_body] + [i for i, k in enumerate(kinds) if k == BYLINE])
    # The title: the first headline-length line before the byline or body;
    # failing that the last short line of a few words (mastheads and section
    # names, "Asia Markets Daily", are shorter than headlines).
    candidates = [i for i in range(min(head_end, len(kinds)))
                  if kinds[i] is None and 3 <= len(_words(texts[i])) <= settings.title_max_words]
    headlines = [i for i in candidates if len(_words(texts[i])) >= TITLE_MIN_WORDS]
    title_at = headlines[0] if headlines else (candidates[-1] if candidates else None)
    if title_at is not None:
        kinds[title_at] = TITLE
    start_at = title_at if title_at is not None else head_end

    for i, kind in enumerate(kinds):
        if not opened[i]:
            kinds[i] = BYLINE if kind == BYLINE and _is_dateline_only(texts[i], vocab) else BOILERPLATE
        elif kind is None:
            inside = start_at <= i <= last_body
            weak = _any(vocab.weak, texts[i])
            kinds[i] = SHORT if inside and not weak else BOILERPLATE
            if not inside and i > last_body:
                if _is_caption(texts[i], vocab):
                    kinds[i] = BODY
                elif _is_dateline_only(texts[i], vocab) or _any(vocab.closing, texts[i]):
                    kinds[i] = BYLINE
    # jusText's neighbour rule: a short block between two pieces of furniture is furniture.
    for i, kind in enumerate(kinds):
        if kind == SHORT and 0 < i < len(kinds) - 1 and kinds[i - 1] == BOILERPLATE and kinds[i + 1] == BOILERPLATE:
            kinds[i] = BOILERPLATE
    return [Block(s, e, line, kind) for (s, e, line), kind in zip(spans, kinds)]


def _open_blocks(texts: list[str], kinds: list[str | None], ends: list[bool], first_body: int,
                 settings: CleanSettings) -> list[bool]:
    """Which blocks lie inside an article.

    An end-of-article marker after the body has started closes the article;
    sustained prose (REOPEN_MIN_BLOCKS body blocks in a row, REOPEN_MIN_WORDS
    words in all) re-opens it, with the bylines and the headline just before it.
    A related-story list (headline, one-sentence teaser, headline, ...) stays
    closed.
    """
    n = len(kinds)
    opened = [True] * n
    closed = False
    for i in range(first_body + 1, n):
        if closed and kinds[i] == BODY and _sustained(texts, kinds, ends, i):
            closed = False
            k = i - 1
            while k > first_body and i - k <= REOPEN_LOOKBACK and not opened[k] and kinds[k] == BYLINE:
                opened[k] = True
                k -= 1
            if (k > first_body and not opened[k] and not ends[k] and kinds[k] is None
                    and 3 <= len(_words(texts[k])) <= settings.title_max_words):
                opened[k] = True  # the story's headline
        if not closed and ends[i]:
            closed = True
        opened[i] = not closed
    return opened


def _sustained(texts: list[str], kinds: list[str | None], ends: list[bool], i: int) -> bool:
    blocks = words = 0
    for j in range(i, len(kinds)):
        if kinds[j] != BODY or ends[j]:
            break
        blocks += 1
        words += len(_words(texts[j]))
        if blocks >= REOPEN_MIN_BLOCKS and words >= REOPEN_MIN_WORDS:
            return True
    return False


def prose_warnings(raw: str, blocks: list[Block], settings: CleanSettings) -> list[str]:
    """A warning when cleaning kept less than `min_kept_prose_share` of the prose-looking words.

    Prose-looking: blocks that read as paragraphs (`_is_prose`), wherever
    they stand; kept: those not classified as boilerplate. A page that loses
    most of its prose is suspicious whatever the reason (a marker that cut
    the article, a page layout the rules do not know).
    """
    total = kept = 0
    for block in blocks:
        text = raw[block.start:block.end]
        if _is_prose(text, settings):
            n = len(_words(text))
            total += n
            kept += n if block.kind != BOILERPLATE else 0
    if total and kept < settings.min_kept_prose_share * total:
        return [f"cleaning kept {kept} of {total} prose words"]
    return []


def _is_dateline_only(text: str, vocab: Vocabulary) -> bool:
    return len(_words(text)) <= 4 and _any(vocab.byline, text)


def _header_texts(raw: str, blocks: list[Block]) -> list[str]:
    """Blocks before the first body block that are a date line and little else
    ("March 3, 2023 5:42 PM GMT+1 Updated an hour ago", "Tue 16 Jan 2024 17.45 GMT"):
    a timestamp of the article. A date inside a menu or social bar is the day's
    date of the site, not the article's, and is not taken."""
    out = []
    for block in blocks:
        if block.kind == BODY:
            break
        text = raw[block.start:block.end]
        if _is_date_line(text, DATELINE_MAX_OTHER_WORDS):
            out.append(text)
    return out


def find_published(texts: list[str]) -> str | None:
    """The first full date in the byline/dateline blocks, as ISO yyyy-mm-dd ("03/27/2024" too)."""
    for text in texts:
        numeric = NUMERIC_DATE_RE.search(text)
        if numeric and not any(p.search(text) for p in DATE_PATTERNS):
            return _numeric_date(numeric, " ".join(texts))
        for pattern in DATE_PATTERNS:
            m = pattern.search(text)
            if not m:
                continue
            year, day = int(m["y"]), int(m["d"])
            month = int(m["m"]) if "m" in m.groupdict() and m.groupdict().get("m") else MONTH_NUM[m["mon"][:3].lower()]
            if 1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2100:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def find_published_after_cue(raw: str) -> str | None:
    """A full date right after a publication cue or a byline in the page's first characters."""
    head = raw[:PUBLISHED_CUE_CHARS]
    cues = sorted((cue for regex in PUBLISHED_CUE_RES for cue in regex.finditer(head)), key=lambda c: c.start())
    for cue in cues:
        rest = head[cue.end():cue.end() + 40]
        numeric = NUMERIC_DATE_RE.match(rest)
        if numeric:
            return _numeric_date(numeric, raw)
        for pattern in DATE_PATTERNS:
            m = pattern.match(rest)
            if m:
                return find_published([m.group(0)])
    for line in head.split("\n"):  # a line that is a date, a time and little else ("03/27/2024",
        if _is_date_line(line):      # "JULY 20, 2020 / 11:42 AM / UPDATED 2 HOURS AGO"), wherever it stands
            numeric = NUMERIC_DATE_RE.search(line)
            return find_published([line]) or (_numeric_date(numeric, raw) if numeric else None)
    # A one-line page's first full date near its top: the byline's ("Chen Yiting Jun 08, 2021").
    if "\n" not in raw.strip():
        return find_published([raw[:PUBLISHED_FIRST_DATE_CHARS]])
    return None


def _is_date_line(text: str, max_other_words: int = DATELINE_MAX_OTHER_WORDS + 1) -> bool:
    """A short line that is a full date (and a time, a zone, "Updated ...") and at most
    `max_other_words` other words."""
    if len(text) > HEADER_DATELINE_CHARS:
        return False
    rest = text
    for pattern in (*DATE_PATTERNS, NUMERIC_DATE_RE):
        rest = pattern.sub(" ", rest)
    return rest != text and len(DATELINE_NOISE_RE.sub(" ", rest).split()) <= max_other_words


def _numeric_date(m: re.Match, raw: str) -> str | None:
    """ISO date of "a/b/yyyy": the part over 12 is the day; if neither is, the page's own order
    of written dates decides ("30 October" reads day first, "October 30" month first)."""
    a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
    if a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a:
        day, month = b, a
    else:
        day_first = len(re.findall(rf"\b\d{{1,2}} (?i:{MONTHS})[a-z]*\b", raw))
        month_first = len(re.findall(rf"\b(?i:{MONTHS})[a-z]*\.? \d{{1,2}}\b", raw))
        day, month = (a, b) if day_first >= month_first else (b, a)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def find_dateline(paragraph: str, vocab: Vocabulary) -> str | None:
    """The date of a dateline opening the first paragraph ("( People's Daily Online ) 11:22, October 28, 2020 BEIJING, ...")."""
    head = paragraph[:DATELINE_CHARS]
    for pattern in vocab.dateline:
        m = pattern.search(head)
        if m:
            return find_published([m.group(0)])
    return None


@lru_cache(maxsize=4)
def load_outlets(models_dir: Path) -> tuple[re.Pattern, dict[str, str]]:
    """Media names and domains from the organization gazetteer, as one regex."""
    from pipeline.read.tsv import read_tsv

    names: dict[str, str] = {}
    for row in read_tsv(models_dir / "gazetteer" / "organizations.tsv"):
        if row.get("type") != "media":
            continue
        for form in {row["name"], *[a for a in row.get("aliases", "").split("|") if a]}:
            if len(form) >= 3:
                names[form.lower()] = row["name"]
    alternation = "|".join(re.escape(f) for f in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternation})(?![\w])", re.I), names


def find_outlet(raw: str, blocks: list[Block], models_dir: Path) -> str | None:
    """The outlet: a known medium named in a byline or credit, else anywhere on the page."""
    pattern, names = load_outlets(models_dir)
    bylines = [raw[b.start:b.end] for b in blocks if b.kind == BYLINE]
    for text in bylines:
        m = pattern.search(text) if names else None
        if m:
            return names[m.group(0).lower()]
    for text in bylines:  # "Source: Rural China Today", "By X | Asia Markets Daily | Updated: ..."
        m = SOURCE_RE.search(text)
        if m:
            return m.group(1)
        parts = [p.strip() for p in text.split("|")]
        for part in parts[1:] if len(parts) > 1 else []:
            if part and part[0].isupper() and not re.search(r"\d|^(By|Updated|Editor)\b", part):
                return part
    body = [raw[b.start:b.end] for b in blocks if b.kind == BODY]
    if body and names:  # a dateline opening the story: "Chinanews.com, December 23.", "(Xinhua) --"
        m = pattern.search(body[0][:DATELINE_CHARS])
        if m:
            return names[m.group(0).lower()]
    furniture = [raw[b.start:b.end] for b in blocks if b.kind == BOILERPLATE]
    for text in furniture:  # mastheads and copyright lines
        m = pattern.search(text) if names else None
        if m:
            return names[m.group(0).lower()]
    return None


def clean_text(raw: str, settings: CleanSettings, models_dir: Path) -> CleanedDocument:
    """Remove boilerplate from a plain-text page.

    Args:
        raw: the decoded raw file.
        settings: cleaning thresholds (params.yaml `clean`).
        models_dir: folder holding cleaning/boilerplate.yml.
    Returns:
        Clean text, offsets back to `raw`, blocks with kinds, and metadata.
    """
    vocab = load_vocabulary(vocabulary_path(models_dir))
    blocks = classify_blocks(raw, split_blocks(raw, settings, vocab), settings, vocab)
    cleaned = _assemble(raw, blocks, vocab)
    cleaned.outlet = find_outlet(raw, blocks, models_dir)
    cleaned.warnings = prose_warnings(raw, blocks, settings)
    cleaned.language = detect_language(cleaned.text, raw, vocab.english_words, vocab.english_min_share)
    return cleaned


def _assemble(raw: str, blocks: list[Block], vocab: Vocabulary) -> CleanedDocument:
    builder = TextBuilder()
    previous: Block | None = None
    for block in blocks:
        if block.kind == BOILERPLATE:
            previous = None
            continue
        if previous is not None and previous.line == block.line and {previous.kind, block.kind} <= {BODY, SHORT}:
            builder.add_raw(raw[previous.end:block.start], previous.end)  # sentences of one collapsed paragraph
        elif builder.length:
            builder.add_separator(PARAGRAPH_BREAK)
        builder.add_raw(raw[block.start:block.end], block.start)
        previous = block
    text, offsets = builder.build()

    lines_with_content = {b.line for b in blocks if b.kind != BOILERPLATE}
    boilerplate_lines = sorted({b.line for b in blocks if b.kind == BOILERPLATE} - lines_with_content)
    titles = [raw[b.start:b.end] for b in blocks if b.kind == TITLE]
    bylines = [raw[b.start:b.end] for b in blocks if b.kind == BYLINE]
    first_body = next((raw[b.start:b.end] for b in blocks if b.kind == BODY), "")
    return CleanedDocument(
        text=text,
        offsets=offsets,
        blocks=blocks,
        title=titles[0] if titles else None,
        published=(find_published(bylines) or find_dateline(first_body, vocab)
                   or find_published(_header_texts(raw, blocks)) or find_published_after_cue(raw)),
        removed=sum(1 for b in blocks if b.kind == BOILERPLATE),
        boilerplate_lines=boilerplate_lines,
    )


# --------------------------------------------------------------------------- HTML


class _VisibleText(HTMLParser):
    """Visible text of an HTML page with each character's raw offset.

    `chars[i]` came from `raw[raw_pos[i]:raw_pos[i] + raw_len[i]]`: one raw
    character, or a whole character reference ("&amp;" for "&"). Block-level
    tags end a block: a "\n" with raw_pos -1 (no raw counterpart).
    """

    SKIP = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe"})
    BREAKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "section",
                        "article", "header", "footer", "figure", "figcaption", "blockquote", "title", "ul", "ol",
                        "dl", "dt", "dd", "table", "caption", "aside", "nav", "main", "hr", "pre", "address",
                        "form", "details", "summary"})

    def __init__(self, raw: str):
        super().__init__(convert_charrefs=False)
        self.raw = raw
        self.line_starts = [0]
        for m in re.finditer("\n", raw):
            self.line_starts.append(m.end())
        self.chars: list[str] = []
        self.raw_pos: list[int] = []
        self.raw_len: list[int] = []
        self.skip_depth = 0
        self.headings: list[int] = []  # where each <h1> starts in `chars`

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _break(self) -> None:
        if self.chars and self.chars[-1] != "\n":
            self.chars.append("\n")
            self.raw_pos.append(-1)
            self.raw_len.append(0)

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.skip_depth = 0  # a <head> never closed must not hide the page
        elif tag in self.SKIP:
            self.skip_depth += 1
        elif tag in self.BREAKS:
            self._break()
            if tag == "h1" and not self.skip_depth:
                self.headings.append(len(self.chars))

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in self.BREAKS:
            self._break()

    def handle_data(self, data):
        if self.skip_depth:
            return
        start = self._offset()
        for i, ch in enumerate(data):
            self.chars.append(ch)
            self.raw_pos.append(start + i)
            self.raw_len.append(1)

    def _ref(self, prefix: str, name: str):
        if self.skip_depth:
            return
        start = self._offset()
        # "&amp;" or, as browsers also accept, "&amp" without the semicolon.
        raw_text = f"{prefix}{name};" if self.raw.startswith(f"{prefix}{name};", start) else f"{prefix}{name}"
        for ch in html.unescape(raw_text):
            self.chars.append(ch)
            self.raw_pos.append(start)
            self.raw_len.append(len(raw_text))

    def handle_entityref(self, name):
        self._ref("&", name)

    def handle_charref(self, name):
        self._ref("&#", name)


# trafilatura's plain-text output marks list items with "- ".
LIST_MARK_RE = re.compile(r"^[-*•]\s+")
# How many blocks above trafilatura's first paragraph the page's <h1> may
# stand for the lead, byline and caption in between to count as the article's.
LEAD_LOOKBACK = 12


def _furniture(text: str, settings: CleanSettings, vocab: Vocabulary) -> bool:
    """Boilerplate wherever it stands: the vocabulary's strong patterns, footers, bars, menus, widget words."""
    return (_any(vocab.strong, text) or _is_footer(text, settings, vocab) or _any(vocab.weak, text)
            or _is_bar(text, vocab) or _is_breadcrumb(text) or _is_menu(text, vocab))


def clean_html(raw: str, settings: CleanSettings, models_dir: Path) -> CleanedDocument:
    """Remove boilerplate from an HTML page, keeping raw offsets.

    trafilatura (configured for recall) finds the article; the page's visible
    text, cut into blocks at block-level tags, is classified with the same
    rules as plain text. Kept: the blocks trafilatura chose, unless they are
    furniture (a menu it let through), and the blocks the rules call content
    between the page's <h1> (when it stands just above trafilatura's first
    paragraph) and trafilatura's last paragraph: lead paragraphs, bylines,
    captions, list items and interview questions that trafilatura drops.

    Clean text is visible text only: no tags, character references decoded,
    each whitespace run one space (a single whitespace character, such as a
    newline in a wrapped paragraph, is copied as it is). Its offset map sends any clean span to the
    raw stretch from its first visible character's source to its last one's
    (tags in between included).

    Args:
        raw: the decoded HTML source.
        settings: cleaning thresholds.
        models_dir: folder holding cleaning/boilerplate.yml.
    """
    import trafilatura

    vocab = load_vocabulary(vocabulary_path(models_dir))
    parser = _VisibleText(raw)
    parser.feed(raw)
    parser.close()
    # The visible text with only block breaks as newlines (a raw newline inside a paragraph is a space).
    flat = "".join("\n" if pos < 0 else (" " if ch.isspace() else ch)
                   for ch, pos in zip(parser.chars, parser.raw_pos))
    spans: list[tuple[int, int, int]] = []
    pos = 0
    for index, line in enumerate(flat.split("\n")):
        stripped = line.strip()
        if stripped:
            s = pos + len(line) - len(line.lstrip())
            spans.append((s, s + len(stripped), index))
        pos += len(line) + 1
    texts = [flat[s:e] for s, e, _ in spans]
    classified = classify_blocks(flat, spans, settings, vocab)
    chosen = _chosen_blocks(raw, flat, spans)

    kept = [False] * len(spans)
    if chosen:
        first, last = min(chosen), max(chosen)
        # The block each <h1> starts (the first block ending after its start).
        ends = [e for _, e, _ in spans]
        h1 = [bisect_right(ends, h) for h in parser.headings]
        leads = [i for i in h1 if first - LEAD_LOOKBACK <= i <= first]
        window_start = leads[-1] if leads else first
        for i, block in enumerate(classified):
            if i in chosen:
                kept[i] = not _furniture(texts[i], settings, vocab)
            elif window_start <= i <= last:
                kept[i] = block.kind != BOILERPLATE

    builder = TextBuilder()
    blocks: list[Block] = []
    visible_blocks: list[Block] = []
    for i, ((s, e, index), block) in enumerate(zip(spans, classified)):
        kind = (block.kind if block.kind != BOILERPLATE else BODY) if kept[i] else BOILERPLATE
        visible_blocks.append(Block(s, e, index, kind))
        raw_start = parser.raw_pos[s]
        raw_end = parser.raw_pos[e - 1] + max(parser.raw_len[e - 1], 1)
        blocks.append(Block(raw_start, raw_end, bisect_right(parser.line_starts, raw_start) - 1, kind))
        if not kept[i]:
            continue
        if builder.length:
            builder.add_separator(PARAGRAPH_BREAK)
        _add_visible(builder, parser, flat, s, e)
    text, offsets = builder.build()

    meta = trafilatura.extract_metadata(raw, date_config=DATE_CONFIG)
    bylines = [texts[i] for i, b in enumerate(visible_blocks) if b.kind == BYLINE]
    published = meta.date[:10] if meta is not None and meta.date else find_published(bylines)
    outlet = meta.sitename if meta is not None and meta.sitename else find_outlet(flat, visible_blocks, models_dir)
    cleaned = CleanedDocument(
        text=text,
        offsets=offsets,
        blocks=blocks,
        title=meta.title if meta is not None else None,
        published=published,
        outlet=outlet,
        removed=sum(1 for b in blocks if b.kind == BOILERPLATE),
        boilerplate_lines=[],
    )
    cleaned.warnings = prose_warnings(flat, visible_blocks, settings)
    cleaned.language = detect_language(text, flat, vocab.english_words, vocab.english_min_share)
    return cleaned


# htmldate without its extensive search: that search takes a copyright year
# in the footer ("© 2021") for the publication date (2021-01-01).
DATE_CONFIG = {"extensive_search": False, "original_date": True}


def _chosen_blocks(raw: str, flat: str, spans: list[tuple[int, int, int]]) -> set[int]:
    """The visible blocks holding the paragraphs trafilatura extracts (favoring recall)."""
    import trafilatura

    extracted = trafilatura.extract(raw, output_format="txt", include_comments=False, include_tables=False,
                                    favor_recall=True, deduplicate=False) or ""
    # Whitespace-normalized view of the visible text, to find trafilatura's paragraphs.
    norm_chars: list[str] = []
    norm_index: list[int] = []
    for i, ch in enumerate(flat):
        if ch.isspace():
            if norm_chars and norm_chars[-1] != " ":
                norm_chars.append(" ")
                norm_index.append(i)
            continue
        norm_chars.append(ch)
        norm_index.append(i)
    norm = "".join(norm_chars)
    block_of = [-1] * (len(flat) + 1)
    for b, (s, e, _) in enumerate(spans):
        for v in range(s, e):
            block_of[v] = b
    chosen: set[int] = set()
    cursor = 0
    for paragraph in extracted.split("\n"):
        needle = " ".join(LIST_MARK_RE.sub("", paragraph.strip()).split())
        if not needle:
            continue
        found = norm.find(needle, cursor)
        if found < 0:
            continue
        cursor = found + len(needle)
        chosen.update(block_of[v] for v in range(norm_index[found], norm_index[cursor - 1] + 1) if block_of[v] >= 0)
    return chosen


def _add_visible(builder: TextBuilder, parser: _VisibleText, flat: str, s: int, e: int) -> None:
    """Append visible characters s..e: verbatim where raw has them, references decoded, whitespace runs as one space.

    A whitespace run is one space unless it is a single raw character, which
    is copied as it is.
    """
    v = s
    while v < e:
        if flat[v] == " ":
            w = v
            while w < e and flat[w] == " ":
                w += 1
            raw_start = parser.raw_pos[v]
            raw_end = parser.raw_pos[w - 1] + parser.raw_len[w - 1]
            if raw_end - raw_start == 1:
                # One raw character: kept as it is ("\n" in a wrapped paragraph), so that a
                # run as long as its raw stretch is always a verbatim copy of it.
                builder.add_raw(parser.raw[raw_start], raw_start)
            else:
                builder.add_replaced(" ", raw_start, raw_end - raw_start)
            v = w
        elif parser.raw_len[v] == 1:
            builder.add_raw(parser.chars[v], parser.raw_pos[v])
            v += 1
        else:
            builder.add_replaced(parser.chars[v], parser.raw_pos[v], parser.raw_len[v])
            v += 1


def clean(raw: str, kind: str, settings: CleanSettings, models_dir: Path) -> CleanedDocument:
    """Clean one decoded document of the given kind ("text" or "html")."""
    if kind == "html":
        return clean_html(raw, settings, models_dir)
    return clean_text(raw, settings, models_dir)
