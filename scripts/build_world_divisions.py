#!/usr/bin/env python3
"""Build models/gazetteer/world_divisions.tsv: every country's first-level
divisions (states, provinces, regions, governorates, Länder ...) outside
China, from pycountry's ISO 3166-2 data, so that world news gets the same
grounding as China news ("Tamil Nadu", "West Virginia", "Ontario").

Deterministic for a given pycountry version (recorded in the `source`
column). Run by hand when the data is refreshed; never at run time:

    .venv/bin/pip install "pycountry==26.2.16"   # the [build] extra
    .venv/bin/python scripts/build_world_divisions.py
"""

from __future__ import annotations

import csv
import sys
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
# Names that are ordinary words or directions whatever the type.
SKIPPED_NAMES = frozenset({"Central", "Northern", "Southern", "Eastern", "Western", "North", "South", "East",
                           "West", "Capital", "Coast", "Centre", "Center", "Lakes", "Islands", "Upper", "Lower"})


def fold(text: str) -> str:
    """The name without diacritics."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def rows() -> list[dict]:
    source = f"pycountry=={version('pycountry')}"
    out = []
    for sub in pycountry.subdivisions:
        if (sub.parent_code is not None and sub.type not in SECOND_TIER_TYPES) or sub.country_code == "CN" \
                or sub.type not in KEPT_TYPES:
            continue
        name = sub.name.split(" (")[0].strip()
        if len(name) < 3 or name in SKIPPED_NAMES or not name[0].isupper():
            continue
        folded = fold(name)  # "Tamil Nādu" is written "Tamil Nadu" in English news
        out.append({"id": f"iso3166:{sub.code}", "name": name, "aliases": folded if folded != name else "", "level": "province", "province": name,
                    "country": sub.country_code, "lat": "", "lon": "", "population": "", "source": source})
    return sorted(out, key=lambda r: r["id"])


def main() -> int:
    found = rows()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE,
                                escapechar="\\")
        writer.writeheader()
        writer.writerows(found)
    print(f"{OUT}: {len(found)} divisions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
