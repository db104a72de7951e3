"""Grounding places in the gazetteer and giving organizations canonical ids.

Places: the designator is split off ("Dangshan county" -> Dangshan, county),
candidates come from models/gazetteer/places.tsv, and an ambiguous name is
resolved from the text: a province named right after the mention ("Suzhou in
East China's Jiangsu province", "Tongren in Guizhou") wins, then provinces
named anywhere in the article, then the gazetteer's own ranking. A place the
gazetteer does not know still gets its level (from the designator) and the
parent the text states ("Dinglou Village, located in Daiji Township").

Organizations: a gazetteer alias gives the known id; otherwise the id is a
slug of the name without legal suffixes, so "vip.com" and "Vip.com" meet,
and acronyms defined in the text ("... Bank of China (ICBC)") join their
full name. Distinct bodies stay apart ("ICBC" vs "ICBC Mall").
"""

from __future__ import annotations

import re

from pipeline.components.names import NameShapes
from pipeline.components.gazetteer import Gazetteer, Place

# How far after a mention a stated parent ("in Guizhou", ", Caoxian County") may stand.
PARENT_WINDOW = 80
PARENT_LINK_RE = re.compile(r"^(?:\s*,\s*(?:located |which is )?(?:in |of )?|\s+(?:in|of)\s+(?:the\s+)?)"
                            r"(?:(?:[A-Z][a-z]+\s){0,2}China[’']s\s+)?$")
LEGAL_SUFFIX_RE = re.compile(
    r"(?:,?\s+(?:Co\.?,?\s*Ltd\.?|Co\.|Ltd\.?|Limited|Inc\.?|Corp\.?|Corporation|Company|LLC|PLC|plc|"
    r"Group|Holdings?|Group Holding Ltd))+$")
ACRONYM_RE = re.compile(r"^\s*\(\s*([A-Z][A-Za-z&]{1,9})\s*\)")
SLUG_RE = re.compile(r"[^a-z0-9]+")
# Last words that make a name a geographic feature ("Qinling Mountains").
FEATURE_WORDS = frozenset({"Mountains", "Mountain", "Mountain Range", "River", "Lake", "Plateau", "Basin", "Sea",
                           "Desert", "Valley", "Gorge", "Gorges", "Island", "Islands", "Peninsula", "Bay", "Delta",
                           "Grassland", "Prairie", "Forest", "Hills"})


def split_designator(text: str, shapes: NameShapes) -> tuple[str, str | None]:
    """("Dangshan", "county") for "Dangshan county"; (text, None) without one."""
    low = text.lower()
    for designator in sorted(shapes.designators, key=len, reverse=True):
        if low.endswith(" " + designator) and len(text) > len(designator) + 1:
            return text[: -len(designator) - 1].strip(), designator
    return text, None


def _candidates(name: str, gaz: Gazetteer) -> list[Place]:
    found = gaz.place_candidates(name) or gaz.minor_places.get(name, [])
    if not found and (name.isupper() or name[:1].islower()):  # "LANZHOU", "northwest China"
        found = gaz.place_candidates(name.title() if name.isupper() else name[:1].upper() + name[1:])
    if not found:
        for variant in (re.sub(r"\s+(Uygur|Uyghur|Hui|Zhuang|Tibetan|Miao|Yi|Tujia|Dong|Bai|Dai)$", "", name),):
            if variant != name:
                found = gaz.place_candidates(variant)
    return found


def ground_places(entities: list[dict], raw: str, gaz: Gazetteer, shapes: NameShapes) -> None:
    """Add a `place` record to every PLACE entity (in place)."""
    places = [e for e in entities if e["label"] == "PLACE"]
    mentioned: dict[str, int] = {}
    countries: dict[str, int] = {}  # countries of the places named without ambiguity
    for e in places:
        base, _ = split_designator(e["text"], shapes)
        for cand in _candidates(base, gaz)[:1]:
            if cand.level == "province":
                mentioned[cand.name] = mentioned.get(cand.name, 0) + 1
        found = _candidates(base, gaz)
        if len({c.country for c in found}) == 1 and found[0].country:
            countries[found[0].country] = countries.get(found[0].country, 0) + 1
    for i, e in enumerate(places):
        base, designator = split_designator(e["text"], shapes)
        level = shapes.designators.get(designator.lower()) if designator else None
        if level is None and base.split()[-1] in FEATURE_WORDS:
            level = "feature"
        parent = _stated_parent(e, places[i + 1:], raw)
        parent_base = split_designator(parent["text"], shapes)[0] if parent else None
        candidates = _candidates(base, gaz)
        if level:
            exact = [c for c in candidates if c.level == level]
            # A village or township named as such is not the county of the same name.
            candidates = exact or ([] if level in ("village", "township") else candidates)
        best = _choose(candidates, parent_base, mentioned, gaz, countries)
        if best is not None:
            record = best.as_dict()
        else:
            parent_place = next(iter(_candidates(parent_base, gaz)), None) if parent_base else None
            record = {"id": None, "name": base, "level": level if level else "region" if base.endswith("China") else None,
                      "province": (parent_place.name if parent_place and parent_place.level == "province"
                                   else parent_place.province or None if parent_place else None),
                      # The stated parent's country, never a default: "Morgantown, West Virginia" is US.
                      "country": parent_place.country or None if parent_place else None,
                      "lat": None, "lon": None}
        if parent_base:
            record["parent"] = parent_base
        e["place"] = record
    _share_within_document(places)


def _share_within_document(places: list[dict]) -> None:
    """Every mention of one place gets the fullest record any mention got,
    and an unknown place inherits province and country from its stated parent."""
    by_name: dict[tuple, dict] = {}
    for e in places:
        record = e["place"]
        key = (record["name"], record["level"]) if record["id"] is None else record["id"]
        best = by_name.get(key)
        if best is None or _informative(record) > _informative(best):
            by_name[key] = record
    names = {r["name"]: r for r in by_name.values()}
    for key, record in list(by_name.items()):  # a bare "Dinglou" is the "Dinglou Village" of the same text
        if record["id"] is None and record["level"] is None:
            fuller = [r for k, r in by_name.items() if r["name"] == record["name"] and r["level"]]
            if fuller:
                by_name[key] = fuller[0]
    for record in by_name.values():
        if record["id"] is None and record.get("parent") in names:
            parent = names[record["parent"]]
            record["province"] = record["province"] or (parent["name"] if parent["level"] == "province" else parent["province"])
            record["country"] = record["country"] or parent["country"]
    for e in places:
        record = e["place"]
        key = (record["name"], record["level"]) if record["id"] is None else record["id"]
        shared = dict(by_name[key])
        if "parent" in record:
            shared["parent"] = record["parent"]
        else:
            shared.pop("parent", None)
        e["place"] = shared


def _informative(record: dict) -> int:
    return sum(1 for k in ("province", "country", "parent", "lat") if record.get(k))


def _stated_parent(entity: dict, following: list[dict], raw: str) -> dict | None:
    """The next PLACE if the text links it as a parent: "X in Y", "X, Y", "X, located in Y".

    "Suzhou in East China's Jiangsu province": the region is a hop on the way,
    the province after it is the parent.
    """
    if not following:
        return None
    nxt = following[0]
    gap = raw[entity["end"]:nxt["start"]]
    if len(gap) > PARENT_WINDOW or not PARENT_LINK_RE.match(gap):
        return None
    if len(following) > 1 and nxt["text"].lower().endswith("china"):
        after = raw[nxt["end"]:following[1]["start"]]
        if re.fullmatch(r"[’']s\s+", after):
            return following[1]
    return nxt


def _choose(candidates: list[Place], parent: str | None, mentioned: dict[str, int], gaz: Gazetteer,
            countries: dict[str, int] | None = None) -> Place | None:
    """The stated parent first, then the provinces the text names, then the countries of its
    unambiguous places (a world story's "Victoria" is not a Chinese town), then the gazetteer's rank."""
    if not candidates:
        return None
    parent_names = set()
    if parent:
        parent_names.add(parent)
        for p in _candidates(parent, gaz)[:3]:
            parent_names.update({p.name, p.province})
    def score(item: tuple[int, Place]) -> tuple:
        rank, cand = item
        return (-(cand.province in parent_names or cand.name in parent_names and cand.level == "province"),
                -mentioned.get(cand.province, 0), -(countries or {}).get(cand.country, 0), rank)
    return min(enumerate(candidates), key=score)[1]


def _slug(text: str) -> str:
    return SLUG_RE.sub("-", text.lower()).strip("-")


def canonical_orgs(entities: list[dict], raw: str, gaz: Gazetteer) -> None:
    """Add an `org` record {id, name} to every ORG entity (in place)."""
    orgs = [e for e in entities if e["label"] == "ORG"]
    acronyms: dict[str, dict] = {}
    for e in orgs:
        m = ACRONYM_RE.match(raw[e["end"]:e["end"] + 14])
        if m:
            acronyms[m.group(1)] = e
    resolved: dict[str, dict] = {}
    for e in orgs:
        text = " ".join(e["text"].split())
        known = gaz.org(text) or gaz.org(text.replace("’", "'"))
        if known is not None:
            record = {"id": known.id, "name": known.name}
        elif text in acronyms and acronyms[text] is not e:
            full = " ".join(acronyms[text]["text"].split())
            record = _org_record(full, gaz)
        else:
            record = _org_record(text, gaz)
        resolved[text] = record
        e["org"] = record
    _link_short_forms([e for e in orgs if e["org"]["id"].startswith("org:")])


def _link_short_forms(unknown: list[dict]) -> None:
    """An unknown short form joins a longer unknown name of the same article
    that contains it after a leading place and before legal suffixes
    ("Lanhua", "Lanhua Logistics" -> "Zhejiang Lanhua Logistics Co., Ltd.").
    All-capital short forms stay apart: "ICBC" is not "ICBC Mall"."""
    names = sorted({e["text"] for e in unknown}, key=lambda t: (-len(t), t))
    target: dict[str, dict] = {}
    for e in unknown:
        target.setdefault(e["text"], e["org"])
    for short in names:
        if short.isupper():
            continue
        for longer in names:
            if len(longer) <= len(short):
                break
            core = LEGAL_SUFFIX_RE.sub("", longer).strip()
            words, short_words = core.split(), short.split()
            for offset in (0, 1):  # "Zhejiang Lanhua Logistics": skip a leading place word
                if words[offset:offset + len(short_words)] == short_words:
                    target[short] = target[longer]
                    break
            if target[short] is target[longer]:
                break
    for e in unknown:
        e["org"] = target[e["text"]]


def _org_record(text: str, gaz: Gazetteer) -> dict:
    core = LEGAL_SUFFIX_RE.sub("", text).strip() or text
    known = gaz.org(core)
    if known is not None:
        return {"id": known.id, "name": known.name}
    return {"id": "org:" + _slug(core), "name": text}
