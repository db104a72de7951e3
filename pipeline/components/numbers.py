"""`news_numbers`: MONEY, PERCENT and QUANTITY spans from the amount lexicon."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components.spans import add_char_spans, doc_text
from pipeline.components.lexicon import Lexicon, load_lexicon
from pipeline.components.serialize import CFG_NAME, read_cfg, read_files, write_files

SPANS_KEY = "news_rules"
UNITS_SUBDIR = "units"
AND_RE = re.compile(r"\band\b")
YEAR_RE = re.compile(r"(?:19|20)\d\d")


@Language.factory("news_numbers", assigns=["doc.spans"], default_config={"spans_key": SPANS_KEY})
def make_news_numbers(nlp: Language, name: str, spans_key: str) -> "NumbersRecognizer":
    return NumbersRecognizer(name, spans_key)


class NumbersRecognizer:
    """Finds amounts with a currency, percentages and physical quantities."""

    def __init__(self, name: str, spans_key: str = SPANS_KEY):
        self.name = name
        self.spans_key = spans_key
        self.lexicon: Lexicon | None = None
        self.files: dict[str, bytes] = {}
        self.lexicon_name = ""
        self.unit_files: dict[str, bytes] = {}

    def initialize(self, get_examples=None, *, nlp=None, lexicon_path: str = "", units_dir: str = "") -> None:
        """Read the lexicon (and the files beside it) from models/lexicon/, units from models/units/."""
        path = Path(lexicon_path)
        units = Path(units_dir) if units_dir else path.parent.parent / "units"
        self.files, self.lexicon_name = read_files(path.parent), path.name
        self.unit_files = read_files(units)
        self.lexicon = load_lexicon(path, units)

    def __call__(self, doc: Doc) -> Doc:
        if self.lexicon is None:
            warnings.warn(f"[W-NEWS-001] {self.name} has no lexicon: call initialize(lexicon_path=...)")
            return doc
        return add_char_spans(doc, self.spans_key, find_amounts(doc_text(doc), self.lexicon))

    def to_disk(self, path, exclude=()):
        """Save the lexicon and unit files with the pipeline (units in a `units` subfolder)."""
        write_files(path, self.files, {"lexicon": self.lexicon_name})
        write_files(Path(path) / UNITS_SUBDIR, self.unit_files, {})

    def from_disk(self, path, exclude=()):
        path = Path(path)
        self.lexicon_name = read_cfg(path)["lexicon"]
        self.files = read_files(path)
        self.files.pop(CFG_NAME, None)
        self.unit_files = read_files(path / UNITS_SUBDIR)
        self.unit_files.pop(CFG_NAME, None)
        self.lexicon = load_lexicon(path / self.lexicon_name, path / UNITS_SUBDIR)
        return self


def find_amounts(text: str, lexicon: Lexicon) -> list[tuple[int, int, str]]:
    """(start, end, label) of every MONEY, PERCENT and QUANTITY in `text`."""
    out = []
    ends: list[set[int]] = []
    shared: dict[str, str | None] = {}  # shared currency symbol -> its currency in this text

    def prefix_ends(found: list[tuple[int, int, str]]) -> set[int]:
        """Where the currency-first amounts end (computed once, after the prefix pattern ran)."""
        if not ends:
            ends.append({e for _, e, lab in found if lab == "MONEY"})
        return ends[0]
    for label, regex in (
        ("MONEY", lexicon.money_prefix_re),
        ("MONEY", lexicon.money_suffix_re),
        ("MONEY", lexicon.money_scaled_re),
        ("MONEY", lexicon.money_subunit_re),
        ("PERCENT", lexicon.percent_re),
        ("QUANTITY", lexicon.quantity_re),
    ):
        for m in regex.finditer(text):
            start, end = m.start(), m.end()
            matched = m.group(0)
            if m.re is lexicon.money_subunit_re:
                needs = lexicon.subunits[m.group("cur") or m.group("cur2")].get("needs")
                if needs and needs not in text:
                    continue  # "1080p" in an article with no pound sign
            if m.re is lexicon.money_prefix_re and m.group("cur") in lexicon.currency_by_country:
                if m.group("cur") not in shared:
                    shared[m.group("cur")] = lexicon.currency_in_context(m.group("cur"), text)
                if shared[m.group("cur")] is None:
                    continue  # "R2" in an article that names no country whose currency R is
            if m.group("n2") and YEAR_RE.fullmatch(m.group("n1")):
                # "grew 31 percent in 2020 to 28.6 billion yuan": a year, not a range start.
                start = m.start("n2")
                out.append((start, end, label))
                continue
            if m.group("n2") and AND_RE.search(matched) and text[max(0, start - 8):start].lower() != "between ":
                # "and" joins two amounts into a range only after "between". Otherwise, when the
                # first carries its own currency or "%", they are two amounts ("$2 billion and
                # $3 billion", "7% and 9%"); when it does not ("7 and 9 percent"), neither is kept.
                second = m.start("second")
                if m.re is lexicon.money_prefix_re:
                    out.append((start, m.end("n1"), label))
                    if second != m.start("n2"):
                        out.append((second, end, label))
                elif label == "PERCENT" and m.group("u1"):
                    out.append((start, m.end("u1"), label))
                    out.append((second, end, label))
                elif label == "MONEY" and m.end("n1") in prefix_ends(out):
                    # "EUR 10m and 4.2tn naira": the first amount has its own currency before it,
                    # so the currency after the second is the second's alone.
                    out.append((m.start("n2"), end, label))
                continue
            out.append((start, end, label))
    money = {(s, e) for s, e, label in out if label == "MONEY"}
    return [(s, e, label) for s, e, label in out if label != "QUANTITY" or (s, e) not in money]
