"""Place and organization gazetteers (models/gazetteer/*.tsv), loaded once.

Lookup is by exact surface form (case-sensitive, as names are written), with
every alias pointing at its canonical record. Place names can be ambiguous
(two Suzhous), so a place form maps to all its candidate records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import srsly

from pipeline.read.tsv import read_tsv

# Place levels in order of how readily a bare mention means them.
LEVEL_RANK = {"country": 0, "province": 1, "region": 2, "prefecture": 3, "county": 4, "feature": 5,
              "township": 6, "village": 7}
# A single-word foreign city counts as a place mention only above this
# population: smaller ones are too often ordinary words ("Reading", "Mobile").
MIN_FOREIGN_CITY_POPULATION = 1_000_000
HOME_COUNTRY = "CN"
# First-level divisions of every other country (scripts/build_world_divisions.py).
WORLD_DIVISIONS = "world_divisions.tsv"
# Rivers, lakes, seas, mountains, islands and regions of world news (hand-kept, see PROVENANCE.md).
WORLD_FEATURES = "world_features.tsv"
# Towns of 15,000-99,999 outside China (scripts/build_world_towns.py): places only in place contexts.
WORLD_TOWNS = "world_towns.tsv"
# Constituents of 20 stock indices (scripts/build_listed_companies.py): read after organizations.tsv.
LISTED_COMPANIES = "listed_companies.tsv"
# Hand-kept aliases (id, alias) for names news uses that the sources lack ("Korea").
EXTRA_ALIASES = "aliases.tsv"
# Townships and villages are recognized only with their designator ("Daiji
# Township"): their bare one-word names collide with given names and surnames.
BARE_NAME_EXCLUDED_LEVELS = frozenset({"township", "village"})
# ...unless the town is notable enough to have a recorded population (Wuzhen).
MIN_BARE_TOWNSHIP_POPULATION = 30_000


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    level: str
    province: str
    country: str
    lat: float | None
    lon: float | None
    population: int

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "level": self.level, "province": self.province or None,
                "country": self.country or None, "lat": self.lat, "lon": self.lon}


@dataclass(frozen=True)
class Org:
    id: str
    name: str
    type: str
    country: str


@dataclass
class Gazetteer:
    places: dict[str, list[Place]]  # surface form -> candidates, best first
    orgs: dict[str, Org]  # surface form -> organization
    orgs_lower: dict[str, Org]  # lower-cased domain-like forms ("vip.com")
    max_place_tokens: int
    max_org_tokens: int
    # Places whose bare one-word name is too often an ordinary word or a name
    # ("Reading", "Fairmont", "Heidelberg" the surname): used only where the
    # text itself says a place is meant ("in Heidelberg", "Fairmont, West Virginia").
    minor_places: dict[str, list[Place]] = field(default_factory=dict)

    def place_candidates(self, form: str) -> list[Place]:
        return self.places.get(form, [])

    def org(self, form: str) -> Org | None:
        return self.orgs.get(form) or (self.orgs_lower.get(form.lower()) if "." in form else None)

    def to_bytes(self) -> bytes:
        """The built lookup tables as msgpack: reading them back is ~10x faster than the TSVs."""
        place_index: dict[str, int] = {}
        place_rows: list[list] = []
        for candidates in [*self.places.values(), *self.minor_places.values()]:
            for p in candidates:
                if p.id not in place_index:
                    place_index[p.id] = len(place_rows)
                    place_rows.append([p.id, p.name, p.level, p.province, p.country, p.lat, p.lon, p.population])
        org_index: dict[tuple, int] = {}
        org_rows: list[list] = []
        for org in [*self.orgs.values(), *self.orgs_lower.values()]:
            key = (org.id, org.name, org.type, org.country)
            if key not in org_index:
                org_index[key] = len(org_rows)
                org_rows.append(list(key))
        key = lambda o: org_index[(o.id, o.name, o.type, o.country)]  # noqa: E731
        return srsly.msgpack_dumps({
            "places": place_rows,
            "place_forms": {f: [place_index[p.id] for p in c] for f, c in self.places.items()},
            "minor_forms": {f: [place_index[p.id] for p in c] for f, c in self.minor_places.items()},
            "orgs": org_rows,
            "org_forms": {f: key(o) for f, o in self.orgs.items()},
            "org_lower": {f: key(o) for f, o in self.orgs_lower.items()},
            "max_place_tokens": self.max_place_tokens,
            "max_org_tokens": self.max_org_tokens,
        })

    @classmethod
    def from_bytes(cls, data: bytes) -> "Gazetteer":
        msg = srsly.msgpack_loads(data)
        places = [Place(*row) for row in msg["places"]]
        orgs = [Org(*row) for row in msg["orgs"]]
        return cls(
            places={f: [places[i] for i in idx] for f, idx in msg["place_forms"].items()},
            orgs={f: orgs[i] for f, i in msg["org_forms"].items()},
            orgs_lower={f: orgs[i] for f, i in msg["org_lower"].items()},
            max_place_tokens=msg["max_place_tokens"],
            max_org_tokens=msg["max_org_tokens"],
            minor_places={f: [places[i] for i in idx] for f, idx in msg["minor_forms"].items()},
        )


def _float(value: str) -> float | None:
    try:
        return round(float(value), 4)
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=4)
def load_gazetteer(directory: Path) -> Gazetteer:
    """Read the place tables and organizations.tsv (then listed_companies.tsv) from `directory`."""
    places: dict[str, list[Place]] = {}
    extra: dict[str, list[str]] = {}
    minor: dict[str, list[Place]] = {}
    for row in read_tsv(directory / EXTRA_ALIASES):
        extra.setdefault(row["id"], []).append(row["alias"])
    towns = read_tsv(directory / WORLD_TOWNS) if (directory / WORLD_TOWNS).is_file() else []
    features = read_tsv(directory / WORLD_FEATURES) if (directory / WORLD_FEATURES).is_file() else []
    rows = [(row, False) for row in [*read_tsv(directory / "places.tsv"), *read_tsv(directory / WORLD_DIVISIONS),
                                     *features]]
    for row, town in rows + [(row, True) for row in towns]:
        place = Place(
            id=row["id"], name=row["name"], level=row["level"], province=row.get("province", ""),
            country=row.get("country", ""), lat=_float(row.get("lat")), lon=_float(row.get("lon")),
            population=int(row["population"]) if row.get("population", "").isdigit() else 0,
        )
        forms = {row["name"], *[a for a in row.get("aliases", "").split("|") if a], *extra.get(row["id"], ())}
        for form in forms:
            if not form or not form[0].isupper():
                continue
            if town:
                minor.setdefault(form, []).append(place)
                continue
            if " " not in form and place.level in BARE_NAME_EXCLUDED_LEVELS and place.population < MIN_BARE_TOWNSHIP_POPULATION:
                continue
            if (" " not in form and place.country != HOME_COUNTRY
                    and place.level not in ("country", "province", "region", "prefecture", "feature")
                    and place.population < MIN_FOREIGN_CITY_POPULATION):  # capitals are "prefecture"
                minor.setdefault(form, []).append(place)
                continue
            places.setdefault(form, []).append(place)
    for form, candidates in [*places.items(), *minor.items()]:
        candidates.sort(key=lambda p: (p.country != HOME_COUNTRY, LEVEL_RANK.get(p.level, 9), -p.population, p.id))
    orgs: dict[str, Org] = {}
    orgs_lower: dict[str, Org] = {}
    listed = read_tsv(directory / LISTED_COMPANIES) if (directory / LISTED_COMPANIES).is_file() else []
    for row in [*read_tsv(directory / "organizations.tsv"), *listed]:
        org = Org(id=row["id"], name=row["name"], type=row.get("type", ""), country=row.get("country", ""))
        for form in {row["name"], *[a for a in row.get("aliases", "").split("|") if a]}:
            orgs.setdefault(form, org)
            if "." in form:
                orgs_lower.setdefault(form.lower(), org)
    return Gazetteer(
        places=places,
        orgs=orgs,
        orgs_lower=orgs_lower,
        max_place_tokens=max((len(f.split()) for f in places), default=1) + 2,
        max_org_tokens=max((len(f.split()) for f in orgs), default=1) + 3,
        minor_places={f: c for f, c in minor.items() if f not in places},
    )
