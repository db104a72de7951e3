#!/usr/bin/env python3
"""Build models/gazetteer/world_divisions.tsv: every country's first-level
divisions (states, provinces, regions, governorates, Länder ...) outside
China, from pycountry's ISO 3166-2 data, so that world news gets the same
grounding as China news ("Tamil Nadu", "West Virginia", "Ontario").

pycountry names divisions in their own languages ("Bayern", "Lombardia",
"Vlaams Gewest"); English news writes "Bavaria", "Lombardy", "Flanders".
The English names come from Unicode CLDR's subdivision display names (the
npm package cldr-subdivisions-full, Unicode-3.0 licence): a division whose
CLDR English name differs is named in English, with pycountry's name kept
as an alias.

Deterministic for given pycountry and CLDR versions (recorded in the
`source` column). Run by hand when the data is refreshed; never at run time:

    .venv/bin/pip install "pycountry==26.2.16"   # the [build] extra
    curl -sL https://registry.npmjs.org/cldr-subdivisions-full/-/cldr-subdivisions-full-48.2.0.tgz \
        | tar xz -C /tmp          # sha256 of the .tgz:
        # 558fef1e523e21c2bff7ebf4ff6c7686e4e8594df82ac2cd94a71935662596cd
    .venv/bin/python scripts/build_world_divisions.py /tmp/package
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
import unicodedata
from importlib.metadata import version
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parent.parent / "models" / "gazetteer" / "world_divisions.tsv"
COLUMNS = ("id", "name", "aliases", "level", "province", "country", "lat", "lon", "population", "source")
# Subdivision types that are a country's first tier of government; municipalities,
# districts and parishes of small countries are left out (their names are often
# ordinary words: "Central", "Western", "Capital").
KEPT_TYPES = frozenset({
    "Province", "State", "Region", "Governorate", "Administrative region", "Prefecture", "Land", "County",
    "Department", "Canton", "Union territory", "Emirate", "Oblast", "Republic", "Autonomous region",
    "Autonomous republic", "Territory", "Country", "Nation", "Federal district", "Capital territory",
    "Autonomous community", "Autonomous province", "Special administrative region", "Metropolitan region",
    "Capital district", "Autonomous city", "Federal territory", "Federal capital territory", "Island council",
    "Geographical region", "Voivodship", "Voivodeship", "Regional council", "Metropolitan department",
    "Overseas department", "Overseas collectivity", "Metropolitan collectivity with special status",
})
# Divisions with a parent that news still names on their own ("Finistère", a French department).
SECOND_TIER_TYPES = frozenset({"Metropolitan department"})
# Names that are ordinary words or directions whatever the type, and CLDR English names that
# are adjectives or first names in English text ("Chechen fighters", "Vladimir Putin").
SKIPPED_NAMES = frozenset({"Central", "Northern", "Southern", "Eastern", "Western", "North", "South", "East",
                           "West", "Capital", "Coast", "Centre", "Center", "Lakes", "Islands", "Upper", "Lower",
                           "Jewish", "Chechen", "Buryat", "Chuvash", "Udmurt", "Kabardino-Balkar",
                           "Karachay-Cherkess", "Vladimir", "Kirov"})


def fold(text: str) -> str:
    """The name without diacritics."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def cldr_names(package: Path) -> tuple[dict[str, str], str]:
    """CLDR's English subdivision names keyed by ISO 3166-2 code ("DE-BY" -> "Bavaria"), and the source label."""
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    data = json.loads((package / "subdivisions" / "en" / "en.json").read_text(encoding="utf-8"))
    names = data["subdivisions"]["localeDisplayNames"]["subdivisions"]
    return names, f"cldr-subdivisions-full=={meta['version']}"


def _key(name: str) -> str:
    return fold(name).lower().replace("-", " ")


def _clean(name: str) -> str:
    """A display name without notes: "Catalunya [Cataluña]" -> "Catalunya", "Île-de-France²" -> "Île-de-France"."""
    name = name.split(" (")[0].split(" [")[0].strip()
    return name.rstrip("0123456789¹²³*").strip()


def mismatched_countries(cldr: dict[str, str]) -> set[str]:
    """Countries whose CLDR codes are not pycountry's (Iran was renumbered: 19 of its 31 CLDR names
    are another code's pycountry name). A few such names are a province and its capital city
    sharing a name ("Madrid"), so a quarter of a country's codes must collide."""
    by_country: dict[str, dict[str, str]] = {}
    codes: Counter = Counter()
    for sub in pycountry.subdivisions:
        by_country.setdefault(sub.country_code, {})[_key(_clean(sub.name))] = sub.code
        codes[sub.country_code] += 1
    collisions: Counter = Counter()
    for sub in pycountry.subdivisions:
        english = cldr.get(sub.code.replace("-", "").lower())
        other = by_country[sub.country_code].get(_key(_clean(english))) if english else None
        if other is not None and other != sub.code:
            collisions[sub.country_code] += 1
    return {country for country, n in collisions.items() if n >= 0.25 * codes[country]}


def rows(cldr: dict[str, str], cldr_source: str) -> list[dict]:
    source = f"pycountry=={version('pycountry')}"
    skipped = mismatched_countries(cldr)
    print(f"CLDR codes differ from pycountry's, CLDR names not used: {', '.join(sorted(skipped))}", file=sys.stderr)
    out = []
    for sub in pycountry.subdivisions:
        if (sub.parent_code is not None and sub.type not in SECOND_TIER_TYPES) or sub.country_code == "CN" \
                or sub.type not in KEPT_TYPES:
            continue
        local = _clean(sub.name)
        english = "" if sub.country_code in skipped else _clean(cldr.get(sub.code.replace("-", "").lower(), ""))
        names = [n for n in (english, local) if len(n) >= 3 and n not in SKIPPED_NAMES and n[0].isupper()]
        if not names:
            continue
        name = names[0]
        # "Tamil Nādu" is written "Tamil Nadu" in English news
        aliases = sorted({a for n in names for a in (n, fold(n))} - {name})
        out.append({"id": f"iso3166:{sub.code}", "name": name, "aliases": "|".join(aliases), "level": "province",
                    "province": name, "country": sub.country_code, "lat": "", "lon": "", "population": "",
                    "source": f"{source};{cldr_source}" if english and english != local else source})
    return sorted(out, key=lambda r: r["id"])


def write_tsv(path: Path, found: list[dict]) -> None:
    """A gazetteer table as the runtime reads it (pipeline/read/tsv.py): tab-separated, unquoted."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE,
                                escapechar="\\")
        writer.writeheader()
        writer.writerows(found)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    found = rows(*cldr_names(Path(sys.argv[1])))
    write_tsv(OUT, found)
    print(f"{OUT}: {len(found)} divisions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
