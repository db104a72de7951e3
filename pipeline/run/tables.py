"""Writing a run's outputs into the staging folder as results stream by.

documents.jsonl, entities.jsonl and clean/ are written line by line. The
three tables are pandas DataFrames whose columns are defined once here:
entities.csv in chunks (memory stays flat), organizations.csv and places.csv
from the corpus-level registry at the end. Every cell is the value's Python
text ("" where a field does not apply), so the CSVs are byte-identical from
run to run and never depend on dtype inference.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.run.document import CLEAN_DIR, DocumentResult
from pipeline.records import DOCUMENT_FIELDS, ENTITY_FIELDS
from pipeline.run.outputs import Staging, atomic_write_text, dumps

ENTITIES = "entities.jsonl"
ENTITIES_CSV = "entities.csv"
ORGANIZATIONS_CSV = "organizations.csv"
PLACES_CSV = "places.csv"
DOCUMENTS = "documents.jsonl"
# entities.csv: the flat entity fields, then the place/org records flattened.
NESTED_COLUMNS = {"place": ("id", "name", "level", "province", "country", "lat", "lon"), "org": ("id", "name")}
CSV_COLUMNS = tuple(f for f in ENTITY_FIELDS if f not in NESTED_COLUMNS) + tuple(
    f"{kind}_{name}" for kind, names in NESTED_COLUMNS.items() for name in names)
PLACE_COLUMNS = ("id", "name", "level", "province", "country", "lat", "lon", "mentions", "documents",
                 "surface_forms")
ORG_COLUMNS = ("id", "name", "mentions", "documents", "surface_forms")
# Entity rows held before a chunk of entities.csv is written.
CSV_CHUNK_ROWS = 5000


@dataclass
class RunSummary:
    documents: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, status) not ok and not warning
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (path, status) of `warning:` documents
    labels: Counter = field(default_factory=Counter)
    words: int = 0


class OutputWriter:
    """Streams results into `staging`; `close` writes the remaining tables."""

    def __init__(self, staging: Staging, do_clean: bool, do_extract: bool):
        self.staging, self.do_clean, self.do_extract = staging, do_clean, do_extract
        self.summary = RunSummary()
        self.registry = EntityRegistry()
        self.rows: list[dict] = []
        self.csv_started = False
        self.documents = staging.path(DOCUMENTS).open("w", encoding="utf-8", newline="\n")
        self.entities = staging.path(ENTITIES).open("w", encoding="utf-8", newline="\n")
        self.entities_csv = staging.path(ENTITIES_CSV).open("w", encoding="utf-8", newline="")
        if do_clean:
            staging.path(CLEAN_DIR).mkdir(exist_ok=True)  # published even when empty: never an old clean/

    def add(self, result: DocumentResult) -> None:
        summary = self.summary
        summary.documents += 1
        self.documents.write(dumps({k: result.info.get(k) for k in DOCUMENT_FIELDS}) + "\n")
        status = result.info["status"]
        if not result.ok:
            summary.failed.append((result.info["path"], status))
        else:
            summary.words += result.info.get("words") or 0
            if status != "ok":
                summary.warnings.append((result.info["path"], status))
        for entity in result.entities:
            self.entities.write(dumps(entity) + "\n")
            self.rows.append(csv_row(entity))
            summary.labels[entity["label"]] += 1
            self.registry.add(result.doc, entity)
        if len(self.rows) >= CSV_CHUNK_ROWS:
            self._flush_rows()
        if self.do_clean and result.clean_text is not None:
            atomic_write_text(self.staging.path(f"{CLEAN_DIR}/{result.doc}.txt"), result.clean_text, durable=False)
            atomic_write_text(self.staging.path(f"{CLEAN_DIR}/{result.doc}.json"), dumps(result.sidecar) + "\n",
                              durable=False)

    def _flush_rows(self) -> None:
        if self.rows or not self.csv_started:
            _frame(self.rows, CSV_COLUMNS).to_csv(self.entities_csv, header=not self.csv_started, index=False,
                                                   lineterminator="\n")
            self.csv_started = True
            self.rows = []

    def close(self) -> RunSummary:
        self._flush_rows()
        for fh in (self.documents, self.entities, self.entities_csv):
            fh.close()
        if self.do_extract:
            self.registry.write(self.staging.path(ORGANIZATIONS_CSV), self.staging.path(PLACES_CSV))
        return self.summary

    def abort(self) -> None:
        """Close the files of a failed run (their content is thrown away with the staging folder)."""
        for fh in (self.documents, self.entities, self.entities_csv):
            try:
                fh.close()
            except OSError:  # the buffered rest cannot be written either (disk full)
                pass


class EntityRegistry:
    """Corpus-level tables of canonical organizations and places.

    Counts mentions and documents per canonical id while entities stream by;
    memory grows with the number of distinct entities, not with the corpus.
    """

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict] = {}

    def add(self, doc: str, entity: dict) -> None:
        record = entity.get("place") or entity.get("org")
        if record is None:
            return
        kind = "place" if "place" in entity else "org"
        key_id = record["id"] or f"unresolved:{record.get('province') or ''}:{record['name']}:{record.get('level') or ''}"
        row = self.rows.get((kind, key_id))
        if row is None:
            row = {k: v for k, v in record.items() if k != "parent"}
            row.update(id=key_id, mentions=0, documents=0, surface_forms=set(), _last=None)
            self.rows[(kind, key_id)] = row
        row["mentions"] += 1
        row["surface_forms"].add(entity["text"])
        if row["_last"] != doc:
            row["documents"] += 1
            row["_last"] = doc

    def frame(self, kind: str):
        """The table of one kind ("org" or "place"), most mentioned first."""
        columns = ORG_COLUMNS if kind == "org" else PLACE_COLUMNS
        rows = sorted((r for (k, _), r in self.rows.items() if k == kind), key=lambda r: (-r["mentions"], r["id"]))
        return _frame([{**{k: _cell(v) for k, v in r.items()}, "surface_forms": "|".join(sorted(r["surface_forms"]))}
                       for r in rows], columns)

    def write(self, orgs_path: Path, places_path: Path) -> None:
        for kind, path in (("org", orgs_path), ("place", places_path)):
            atomic_write_text(path, self.frame(kind).to_csv(index=False, lineterminator="\n"))


def csv_row(entity: dict) -> dict:
    """Flatten the nested place/org records into place_* / org_* cells."""
    row = {k: _cell(v) for k, v in entity.items() if not isinstance(v, dict)}
    for key in NESTED_COLUMNS:
        for name, value in (entity.get(key) or {}).items():
            row[f"{key}_{name}"] = _cell(value)
    return row


def _cell(value) -> str:
    return "" if value is None else str(value)


def preload_tables() -> None:
    """Import pandas now (0.2 s), at a moment the caller would only wait, not at start-up."""
    import pandas  # noqa: F401


def _frame(rows: list[dict], columns: tuple[str, ...]):
    import pandas as pd

    return pd.DataFrame(rows, columns=list(columns), dtype=object).fillna("")
