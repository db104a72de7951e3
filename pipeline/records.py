"""The records the pipeline writes: one entity (entities.jsonl) and one
document (documents.jsonl), as typed dataclasses.

These classes are the output contract. The JSON Schemas in schema/ are
generated from them (`pipeline schema`), and the library API returns
`Entity` objects. Field order here is the order of keys in the JSONL files.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Literal, Optional, Union

Label = Literal["ORG", "PLACE", "MONEY", "PERCENT", "DATE", "QUANTITY"]
Qualifier = Literal["exact", "approx", "over", "under"]
Number = Union[int, float]


@dataclass(frozen=True)
class PlaceRecord:
    """Where a PLACE is: a gazetteer record (id set) or what the text says of it (id None)."""

    id: Optional[str]
    name: str
    level: Optional[str] = None
    province: Optional[str] = None
    country: Optional[str] = None
    lat: Optional[float] = None
    lon: Optional[float] = None
    parent: Optional[str] = None  # the place the text names as its parent ("X in Y")


@dataclass(frozen=True)
class OrgRecord:
    """An organization's canonical id (gazetteer id, or "org:<slug>") and name."""

    id: str
    name: str


@dataclass(frozen=True)
class Entity:
    """One entity. `start`/`end` are offsets into the raw file (or the text given to `extract`)."""

    doc: str
    label: Label
    start: int
    end: int
    text: str
    amount: Optional[Number] = None  # MONEY, in units of `currency`
    amount_max: Optional[Number] = None  # MONEY range
    currency: Optional[str] = None  # ISO 4217
    qualifier: Optional[Qualifier] = None
    equivalent_of: Optional[int] = None  # start of the amount this one converts
    value: Optional[Union[Number, str]] = None  # PERCENT/QUANTITY number, DATE ISO 8601 string
    value_max: Optional[Number] = None
    unit: Optional[str] = None  # QUANTITY unit, or "percentage point"
    value_si: Optional[Number] = None
    unit_si: Optional[str] = None
    place: Optional[PlaceRecord] = None
    org: Optional[OrgRecord] = None

    def to_dict(self) -> dict:
        """The JSONL record: fields in order, None left out."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if dataclasses.is_dataclass(value):
                value = {k: v for k, v in dataclasses.asdict(value).items() if k != "parent" or v is not None}
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, record: dict) -> "Entity":
        values = dict(record)
        if values.get("place") is not None:
            values["place"] = PlaceRecord(**values["place"])
        if values.get("org") is not None:
            values["org"] = OrgRecord(**values["org"])
        return cls(**values)


@dataclass(frozen=True)
class Document:
    """One input file and what happened to it."""

    doc: str  # the document id: the file's path in the corpus, without its suffix
    path: str  # the file's path relative to the corpus
    sha256: Optional[str]  # of the raw bytes
    encoding: Optional[str]
    title: Optional[str]
    published: Optional[str]  # ISO date
    outlet: Optional[str]
    language: Optional[str]  # ISO 639-1, detected from the clean text (None: too little text)
    words: int  # in the clean text
    lines_removed: int  # boilerplate blocks removed
    status: str  # "ok", "warning: ...", "skipped: ...", "error: ..."


ENTITY_FIELDS = tuple(f.name for f in fields(Entity))
DOCUMENT_FIELDS = tuple(f.name for f in fields(Document))
PLACE_FIELDS = tuple(f.name for f in fields(PlaceRecord))
ORG_FIELDS = tuple(f.name for f in fields(OrgRecord))


def json_schemas() -> dict[str, dict]:
    """JSON Schemas (draft 2020-12) of entities.jsonl and documents.jsonl lines, by file name."""
    from pydantic import ConfigDict, TypeAdapter

    strict = ConfigDict(extra="forbid")
    out = {}
    for name, cls, title in (("entities.schema.json", Entity, "A line of entities.jsonl"),
                             ("documents.schema.json", Document, "A line of documents.jsonl")):
        schema = TypeAdapter(_strict(cls, strict)).json_schema(mode="serialization")
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": title}
        out[name] = schema
    return out


def _strict(cls, config):
    """`cls` with extra keys forbidden (and its nested record types too)."""
    for nested in (cls, PlaceRecord, OrgRecord):
        nested.__pydantic_config__ = config
    return cls
