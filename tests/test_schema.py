"""The JSON Schemas in schema/ are generated from pipeline/records.py and every output validates."""

from __future__ import annotations

import json
from pathlib import Path

import fastjsonschema
import pytest

from pipeline.records import Entity, json_schemas

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"


def test_committed_schemas_are_the_generated_ones():
    for name, schema in json_schemas().items():
        assert json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8")) == schema, f"regenerate: pipeline schema"


@pytest.mark.parametrize("name,schema", [("entities.jsonl", "entities.schema.json"),
                                         ("documents.jsonl", "documents.schema.json")])
def test_every_output_line_validates(run_outputs, name, schema):
    validate = fastjsonschema.compile(json.loads((SCHEMA_DIR / schema).read_text(encoding="utf-8")))
    out, _ = run_outputs
    for folder in (out, ROOT / "outputs"):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        assert lines
        for line in lines:
            validate(json.loads(line))


def test_schema_rejects_unknown_fields_and_labels():
    validate = fastjsonschema.compile(json_schemas()["entities.schema.json"])
    good = {"doc": "a", "label": "MONEY", "start": 0, "end": 3, "text": "$10", "amount": 10, "currency": "USD"}
    validate(good)
    for bad in ({**good, "colour": "red"}, {**good, "label": "PERSON"}, {**good, "start": "0"}):
        with pytest.raises(fastjsonschema.JsonSchemaException):
            validate(bad)


def test_entity_record_round_trips(run_outputs):
    out, _ = run_outputs
    for line in (out / "entities.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        assert Entity.from_dict(record).to_dict() == record
