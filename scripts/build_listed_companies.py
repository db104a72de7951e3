#!/usr/bin/env python3
"""Build models/gazetteer/listed_companies.tsv: the constituents of 20 stock indices
(S&P 500, NASDAQ 100, Dow Jones, FTSE 100, DAX, MDAX, CAC 40, Euro Stoxx 50, Nikkei 225,
IBEX 35, AEX and others), as packaged by pytickersymbols (MIT), so that world business news
names "E.ON", "Severn Trent" or "Tokyo Electron" as organizations.

organizations.tsv (hand-curated) wins where both name a body: this table is
read after it and only adds forms it lacks. Forms are the listed name and,
when it ends in a legal suffix ("Western Digital Corporation", "Next plc"),
the name without it, but only when what is left is not a single ordinary word
("Next", "Target" stay out) and not a known place name ("Dover"). A one-word
name is kept only when it is the company's listed name itself and not an
everyday word or a first name (COMMON_WORD_NAMES).

Deterministic for a given pytickersymbols version (recorded in PROVENANCE.md).
Run by hand when the data is refreshed; never at run time:

    .venv/bin/pip install --no-deps -r requirements-build.lock   # the [build] extra
    .venv/bin/python scripts/build_listed_companies.py
"""

from __future__ import annotations

import csv
import re
import sys
from importlib.metadata import version
from pathlib import Path

import pycountry
from pytickersymbols import PyTickerSymbols

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER = ROOT / "models" / "gazetteer"
OUT = GAZETTEER / "listed_companies.tsv"
COLUMNS = ["id", "name", "aliases", "type", "country"]
LEGAL_SUFFIX_RE = re.compile(r",?\s+(?:Inc\.?|Incorporated|Corporation|Corp\.?|Company|Co\.|plc|PLC|AG|SE|S\.A\.|SA|"
                             r"N\.V\.|NV|Ltd\.?|Limited|Holdings?|Group|LLC|ASA|Oyj|AB|SpA|S\.p\.A\.|KGaA|& Co\. KGaA)$")
# Listed one-word names that are also everyday words or first names.
COMMON_WORD_NAMES = frozenset({"Box", "Douglas", "Elis", "Elisa", "Recruit", "Sto", "Argan", "Ventas", "Viad",
                               "Vestis", "Masco", "Marui", "Toho"})
COUNTRY_FIXES = {"United States": "US", "USA": "US", "United Kingdom": "GB", "England": "GB", "Scotland": "GB",
                 "South Korea": "KR", "Netherlands": "NL", "Russia": "RU", "Taiwan": "TW", "Czech Republic": "CZ"}


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# The home country of an index's members (Euro Stoxx 50 spans countries: the stock's own field).
INDEX_COUNTRY = {"AEX": "NL", "BEL 20": "BE", "CAC_40": "FR", "CAC Mid 60": "FR", "DAX": "DE", "MDAX": "DE",
                 "SDAX": "DE", "TecDAX": "DE", "DOW JONES": "US", "NASDAQ 100": "US", "S&P 100": "US",
                 "S&P 500": "US", "S&P 600": "US", "FTSE 100": "GB", "IBEX 35": "ES", "NIKKEI 225": "JP",
                 "OMX Helsinki 25": "FI", "OMX Stockholm 30": "SE", "Switzerland 20": "CH"}


def _country(stock: dict, indices: list[str]) -> str:
    for index in sorted(indices):
        if index in INDEX_COUNTRY:
            return INDEX_COUNTRY[index]
    name = stock.get("country") or (stock.get("metadata", {}).get("headquarters") or "").split(",")[-1].strip()
    if not name:
        return ""
    if name in COUNTRY_FIXES:
        return COUNTRY_FIXES[name]
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        return ""


def _known_places() -> set[str]:
    """Every place form of the gazetteer (names and aliases of all place tables)."""
    forms: set[str] = set()
    for table in ("places.tsv", "world_divisions.tsv", "world_towns.tsv"):
        with (GAZETTEER / table).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                forms.add(row["name"])
                forms.update(a for a in (row.get("aliases") or "").split("|") if a)
    return forms


def _forms(listed: str, places: set[str]) -> tuple[str, list[str]]:
    """(canonical name, aliases) of one listed company, or ("", []) when none is usable."""
    name = re.sub(r"\s*\((?:corporation|company|group)\)$", "", listed).strip()
    forms = [name]
    short = LEGAL_SUFFIX_RE.sub("", name).strip(" ,")
    if short != name and short:
        forms.append(short)
    kept = []
    for form in forms:
        one_word = " " not in form
        plain_word = one_word and re.fullmatch(r"[A-Z][a-z]+", form) is not None
        if form in places or form in COMMON_WORD_NAMES:
            continue
        if plain_word and form != name:
            continue  # "Next" from "Next plc": an ordinary word on its own
        if len(form) < 3 and not form.isupper():
            continue
        kept.append(form)
    if not kept:
        return "", []
    return kept[0], kept[1:]


def main() -> int:
    places = _known_places()
    tickers = PyTickerSymbols()
    indices: dict[str, list[str]] = {}
    for index in tickers.get_all_indices():
        for stock in tickers.get_stocks_by_index(index):
            indices.setdefault(stock["name"], []).append(index)
    stocks = sorted(tickers.get_all_stocks(), key=lambda s: s["name"])
    rows: dict[str, dict] = {}
    for stock in stocks:
        name, aliases = _forms(stock["name"], places)
        if not name:
            continue
        key = _slug(name)
        if key in rows:
            continue
        rows[key] = {"id": key, "name": name, "aliases": "|".join(aliases), "type": "company",
                     "country": _country(stock, indices.get(stock["name"], []))}
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for key in sorted(rows):
            writer.writerow(rows[key])
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} companies from pytickersymbols {version('pytickersymbols')}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
