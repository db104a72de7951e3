"""A run's outputs as pandas DataFrames, for notebooks (`pipeline.read_outputs`).

Nothing is recomputed: the tables are read from the files a run and
`pipeline evaluate` wrote. Entities come from entities.jsonl (the contract),
with the place / org records flattened into `place_*` / `org_*` columns as in
entities.csv. A table whose file is missing is empty, with its columns.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from pipeline.review.evaluation import PER_LABEL_COLUMNS, SUMMARY_COLUMNS, summary_table
from pipeline.review.inputs import read_jsonl
from pipeline.run.outputs import ENTITY_FIELDS

DOCUMENT_COLUMNS = ("doc", "path", "sha256", "encoding", "title", "published", "outlet", "words",
                    "lines_removed", "status")
ORG_COLUMNS = ("id", "name", "mentions", "documents", "surface_forms")
PLACE_COLUMNS = ("id", "name", "level", "province", "country", "lat", "lon", "mentions", "documents",
                 "surface_forms")
# entities.csv's order: the entity fields, then each record's fields flattened (place_id, ..., org_name).
ENTITY_COLUMNS = tuple(f for f in ENTITY_FIELDS if f not in ("place", "org")) + tuple(
    f"place_{c}" for c in PLACE_COLUMNS[:7]) + tuple(f"org_{c}" for c in ORG_COLUMNS[:2])


class Outputs(NamedTuple):
    entities: pd.DataFrame       # one row per entity: doc, label, start, end, text, values, place_*, org_*
    documents: pd.DataFrame      # documents.jsonl: one row per article, with its status
    organizations: pd.DataFrame  # organizations.csv: canonical organizations with mention counts
    places: pd.DataFrame         # places.csv: canonical places with level, country, coordinates
    per_label: pd.DataFrame      # per_label.csv: gold / predicted counts and scores per label
    metrics: pd.DataFrame        # metrics.json as the summary table: P / R / F1 per label, core, micro


def _records(records: list[dict], columns: tuple[str, ...], flatten: bool = False) -> pd.DataFrame:
    if not records:
        return pd.DataFrame(columns=list(columns))
    table = pd.json_normalize(records, sep="_") if flatten else pd.DataFrame.from_records(records)
    # Every declared column, in order (empty where no record has it), then any others by name.
    return table.reindex(columns=list(columns) + sorted(c for c in table.columns if c not in columns))


def _csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=list(columns))
    # Ids and names are text even when they look like numbers or "NA".
    text = {c: "string" for c in ("id", "name", "level", "province", "country", "surface_forms", "label")}
    return pd.read_csv(path, dtype=text, keep_default_na=False, na_values={"lat": [""], "lon": [""]})


def read_outputs(out_dir: str | Path) -> Outputs:
    """The outputs in OUT_DIR as DataFrames.

    Example::

        from pipeline import read_outputs
        out = read_outputs("outputs")
        out.entities.groupby("label").size()
        out.entities[out.entities.label == "MONEY"][["doc", "text", "amount", "currency"]]
        out.per_label.set_index("label")["strict_f1"]

    Raises:
        FileNotFoundError: OUT_DIR has no documents.jsonl (not the output folder of a run).
    """
    out_dir = Path(out_dir)
    if not (out_dir / "documents.jsonl").exists():
        raise FileNotFoundError(f"{out_dir / 'documents.jsonl'}: not the output folder of a run")
    metrics_path = out_dir / "metrics.json"
    if metrics_path.exists():
        metrics = summary_table(json.loads(metrics_path.read_text(encoding="utf-8")))
    else:
        metrics = pd.DataFrame(columns=list(SUMMARY_COLUMNS), index=pd.Index([], name="label"))
    return Outputs(
        entities=_records(read_jsonl(out_dir / "entities.jsonl"), ENTITY_COLUMNS, flatten=True),
        documents=_records(read_jsonl(out_dir / "documents.jsonl"), DOCUMENT_COLUMNS),
        organizations=_csv(out_dir / "organizations.csv", ORG_COLUMNS),
        places=_csv(out_dir / "places.csv", PLACE_COLUMNS),
        per_label=_csv(out_dir / "per_label.csv", PER_LABEL_COLUMNS),
        metrics=metrics,
    )
