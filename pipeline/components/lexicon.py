"""The amount vocabulary (models/lexicon/numbers.yml) compiled into regexes.

One object serves both the `news_numbers` component, which finds MONEY,
PERCENT and QUANTITY spans, and pipeline/components/normalization.py, which reads their
values: the words that make a span are the words that give its value. The
QUANTITY unit forms are generated from quantulum3's unit data
(models/units/vocabulary.yml, by scripts/build_units.py), and quantulum3 reads
the values, so the finder matches only units the reader knows.

The patterns are linear-time by construction: alternations of literals and
bounded digit runs, with no nested quantifiers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml
from text_to_num import text2num

UNITS_VOCABULARY = "vocabulary.yml"
CURRENCIES = "currencies.yml"  # generated from CLDR by scripts/build_currencies.py
# Scale words after which "and" continues a spelled-out number ("one hundred and twenty").
AND_AFTER = ("hundred", "thousand", "million", "billion", "trillion")
MAX_NUMBER_JOINTS = 11
# Thousands grouped by commas, or by spaces as SI style and South African outlets write them
# ("16 427MW", "4 000 megawatts").
NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,.]\d)|\d+)(?:\.\d+)?"
SPACED_THOUSANDS_RE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")


def _alternation(words, boundary: bool = True) -> str:
    """Longest-first alternation of literal words, spaces matching any blank."""
    parts = []
    for w in sorted(set(words), key=lambda w: (-len(w), w)):
        esc = re.escape(w).replace(r"\ ", r"\s")
        parts.append(esc)
    body = "|".join(parts)
    return f"(?:{body})"


@dataclass(frozen=True)
class Lexicon:
    currency_prefix: dict[str, str]
    currency_suffix: dict[str, str]
    scales: dict[str, int]
    attached_scales: dict[str, int]
    qualifiers: dict[str, str]  # phrase (lower case) -> qualifier
    number_words: dict[str, int]  # phrases text2num does not read: "a hundred", "half a million"
    number_tokens: frozenset[str]  # words text2num reads: "one" ... "ninety", "hundred", "million"
    percent_units: tuple[str, ...]
    units: dict[str, str]  # surface form -> quantulum3 unit name
    units_dir: Path  # models/units: quantulum3 custom units, SI factors
    scaled_only_currency: dict[str, str]
    money_prefix_re: re.Pattern
    money_suffix_re: re.Pattern
    money_scaled_re: re.Pattern
    percent_re: re.Pattern
    quantity_re: re.Pattern
    spelled_number_re: re.Pattern  # a scaled or spelled-out number, for normalization
    currency_by_country: dict[str, dict[str, str]]  # shared symbol -> {country or "default": ISO code}
    fiscal_years: dict[str, dict | None]  # country -> {first_month, named_by} or None (no rule)
    subunits: dict[str, dict]  # "p" -> {currency: GBP, needs: "£"}
    money_subunit_re: re.Pattern  # "640p", "98 cents"

    def currency_in_context(self, symbol: str, text: str) -> str | None:
        """The currency a shared symbol ("Rs", "R") stands for in an article: that of the
        country the text names most often, else the symbol's default (None: not money)."""
        table = self.currency_by_country.get(symbol)
        if table is None:
            return self.currency_prefix.get(symbol)
        best = most_named([c for c in table if c != "default"], text)
        return table[best] if best is not None else table.get("default")

    def fiscal_year_in_context(self, text: str) -> dict | None:
        """{first_month, named_by} of the fiscal years of the country the article names most often."""
        best = most_named(list(self.fiscal_years), text)
        return self.fiscal_years[best] if best is not None else None


    def qualifier_of(self, text: str) -> tuple[str, str]:
        """Split a leading qualifier off `text`: (qualifier, rest)."""
        low = text.lower()
        for phrase in sorted(self.qualifiers, key=len, reverse=True):
            if low.startswith(phrase + " ") or low.startswith(phrase + "\u00a0"):
                return self.qualifiers[phrase], text[len(phrase) + 1:]
        return "exact", text

    def number_value(self, token: str) -> Decimal | None:
        """The exact value of one number: "1,400", "2.5", "twenty-five", "one hundred and twenty", "a hundred"."""
        token = token.strip()
        low = " ".join(token.lower().split())
        if low in self.number_words:
            return Decimal(self.number_words[low])
        if any(c.isalpha() for c in low):
            words = low.replace("-", " ").split()
            if not words or any(w not in self.number_tokens and w != "and" for w in words):
                return None
            try:
                return Decimal(text2num(" ".join(words), "en"))
            except ValueError:
                return None
        try:
            return Decimal(SPACED_THOUSANDS_RE.sub("", token.replace(",", "")))
        except InvalidOperation:
            return None


def most_named(countries: list[str], text: str) -> str | None:
    """The country whose name (or adjective: "Pakistan", "Pakistani") the text has most often; None if none."""
    counts = {country: len(re.findall(rf"(?<![\w.]){re.escape(country)}", text)) for country in countries}
    ranked = sorted(counts.values(), reverse=True)
    if not ranked or ranked[0] == 0 or len(ranked) > 1 and ranked[0] == ranked[1]:
        return None  # none named, or a tie: no country decides
    return max(counts, key=counts.get)


def load_units(units_dir: Path) -> dict[str, str]:
    """Surface form -> quantulum3 unit name, from the generated vocabulary."""
    data = yaml.safe_load((units_dir / UNITS_VOCABULARY).read_text(encoding="utf-8"))
    return {form: name for name, record in data["units"].items() for form in record["forms"]}


@lru_cache(maxsize=4)
def load_lexicon(path: Path, units_dir: Path | None = None) -> Lexicon:
    """Read numbers.yml (and the unit vocabulary beside it) and compile the span patterns (once per process).

    Args:
        path: models/lexicon/numbers.yml.
        units_dir: models/units; by default the `units` folder next to the lexicon's folder.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    units_dir = Path(units_dir) if units_dir is not None else path.parent.parent / "units"
    cldr = yaml.safe_load((path.parent / CURRENCIES).read_text(encoding="utf-8"))
    # CLDR's names and symbols, then the hand entries, which win ("¥" is the yuan in Chinese outlets).
    currency_prefix = {**cldr["currency_prefix"], **data["currency_prefix"]}
    # Every ISO 4217 code the tables know also stands before an amount ("AED 3.5 billion", "EUR 10m").
    codes = {code for table in (cldr["currency_prefix"], cldr["currency_suffix"], data["currency_prefix"],
                                data["currency_suffix"]) for code in table.values()}
    currency_prefix = {**{code: code for code in sorted(codes)}, **currency_prefix}
    currency_by_country = data.get("currency_by_country", {})
    for symbol, table in currency_by_country.items():
        currency_prefix.setdefault(symbol, table.get("default") or next(iter(table.values())))
    currency_suffix = {k.lower(): v for table in (cldr["currency_suffix"], data["currency_suffix"])
                       for k, v in table.items()}
    qualifiers = {p.lower(): q for q, phrases in data["qualifiers"].items() for p in phrases}
    units = load_units(units_dir)
    number_words = {k.lower(): v for k, v in data["number_words"].items()}
    number_tokens = frozenset(w.lower() for w in data["number_tokens"])

    qual = f"(?i:{_alternation(qualifiers)})"  # "About 300 kilometers" at a sentence start
    scale = f"(?i:{_alternation(data['scales'])})"  # "$48.6 Million" in a Title Case headline
    attached = _alternation(data["attached_scales"])
    # A number, optionally scaled: "7.5 billion", "3m", "1,400", "171-million".
    num = rf"{NUMBER}(?:[\s-]?{scale}\b|{attached}\b)?"
    conn = r"\s?(?:-|–|—|\bto\b|\band\b)\s?"
    prefix = _alternation(currency_prefix)
    suffix = _alternation(currency_suffix)
    # No start right after a comma or digit: "1,000,000,..." must be read once, not from every comma.
    lead = rf"(?<![\w.,$¥€£])(?:{qual}\s)?"
    # Spelled-out numbers: a lexicon phrase, or a run of number tokens ("one hundred and twenty",
    # "twenty-five"). The run is bounded (the longest news number in words, "nine hundred and
    # ninety-nine thousand nine hundred and ninety-nine", has 8 joints), so a line of 5,000
    # number words costs a bounded amount per start, not the whole rest of the line.
    token = rf"{_alternation(number_tokens)}\b"
    joint = rf"(?:[\s-]|(?:{'|'.join(f'(?<={w})' for w in AND_AFTER)})\sand\s)"
    word_num = rf"(?:{_alternation(number_words)}\b|{token}(?:{joint}{token}){{0,{MAX_NUMBER_JOINTS}}})"
    # Money in words needs its scale ("two billion yuan", "half a million dollars"): "No one won" is not KRW.
    scaled_end = "(?:" + "|".join(f"(?<={w})" for w in ("thousand", "million", "billion", "trillion")) + ")"
    money_words = rf"\b(?i:{word_num}){scaled_end}"

    money_prefix_re = re.compile(
        rf"{lead}(?P<cur>{prefix})\s?(?P<n1>{num})(?:{conn}(?P<second>(?:{prefix})?\s?(?P<n2>{num})))?(?![\w$])"
    )
    # "120 million yuan", "1.2-billion-yuan", "a 50-yuan note".
    money_suffix_re = re.compile(
        rf"{lead}(?P<n1>{num}|{money_words})(?:{conn}(?P<second>(?P<n2>{num})))?[\s-](?P<cur>{suffix})\b", re.I
    )
    scaled_only = {k.lower(): v for k, v in data.get("scaled_only_currency", {}).items()}
    money_scaled_re = re.compile(
        rf"{lead}(?P<n1>{NUMBER}[\s-]?{scale})(?:{conn}(?P<second>(?P<n2>{NUMBER}[\s-]?{scale})))?"
        rf"\s(?P<cur>{_alternation(scaled_only)})\b",
        re.I,
    )
    subunits = data.get("subunits", {})
    glued = _alternation([f for f in subunits if len(f) == 1])  # "640p": the letter glued to the number
    spaced = _alternation([f for f in subunits if len(f) > 1])  # "98 cents"
    money_subunit_re = re.compile(
        rf"{lead}(?P<n1>{NUMBER})(?:{conn}(?P<second>(?P<n2>{NUMBER})(?=\s?{spaced}\b|{glued}\b)))?"
        rf"(?:(?P<cur>{glued})|\s?(?P<cur2>{spaced}))(?![\w-])"
    )
    percent_units = tuple(data["percent_units"])
    pct = _alternation(percent_units).replace(r"\s", "[-\\s]")  # "a 10-percentage-point gap"
    # u1: the first number's own "%" ("7% and 9%" are two amounts, "7 and 9%" one range).
    percent_re = re.compile(
        rf"{lead}(?P<n1>{NUMBER}|\b{word_num})\s?(?P<u1>%)?(?:{conn}(?P<second>(?P<n2>{NUMBER}|{word_num})))?"
        rf"[\s-]?(?P<unit>{pct})(?!\w)",
        re.I,
    )
    unit_alt = _alternation(units)
    # "160 metric tons", "two tonnes", "100-square-meter apartment", "5-kilogram box".
    unit_joined = unit_alt.replace(r"\s", "[-\\s]")
    quantity_re = re.compile(
        rf"{lead}(?P<n1>{num}|\b(?i:{word_num}))(?:{conn}(?P<second>(?P<n2>{num})))?(?:\s?|-)"
        rf"(?P<unit>{unit_joined})(?![\w/])"
    )
    # A scaled or spelled-out number inside a span, for normalization ("3.2 million", "twenty-five").
    spelled_number_re = re.compile(rf"(?<![\d.,])(?:{NUMBER}(?:[\s-]?{scale}\b|{attached}\b)|\b(?i:{word_num}))")
    return Lexicon(
        currency_prefix=currency_prefix,
        currency_suffix=currency_suffix,
        scales={k.lower(): int(v) for k, v in data["scales"].items()},
        attached_scales={k.lower(): int(v) for k, v in data["attached_scales"].items()},
        qualifiers=qualifiers,
        number_words=number_words,
        number_tokens=number_tokens,
        percent_units=percent_units,
        units=units,
        units_dir=units_dir,
        scaled_only_currency=scaled_only,
        money_prefix_re=money_prefix_re,
        money_suffix_re=money_suffix_re,
        money_scaled_re=money_scaled_re,
        percent_re=percent_re,
        quantity_re=quantity_re,
        spelled_number_re=spelled_number_re,
        currency_by_country=currency_by_country,
        fiscal_years=data.get("fiscal_years", {}),
        subunits=data.get("subunits", {}),
        money_subunit_re=money_subunit_re,
    )


def lexicon_path(models_dir: Path) -> Path:
    return models_dir / "lexicon" / "numbers.yml"
