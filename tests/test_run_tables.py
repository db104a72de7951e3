"""entities.csv, organizations.csv and places.csv are pandas DataFrames, byte-identical from run to run."""

import json

import pandas as pd

from pipeline.run.tables import CSV_COLUMNS, ORG_COLUMNS, PLACE_COLUMNS, EntityRegistry, csv_row


def _lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_tables_read_back_as_the_entities(run_outputs):
    out, _ = run_outputs
    entities = _lines(out / "entities.jsonl")
    table = pd.read_csv(out / "entities.csv", dtype=str, keep_default_na=False)
    assert tuple(table.columns) == CSV_COLUMNS
    assert len(table) == len(entities)
    expected = pd.DataFrame([csv_row(e) for e in entities], columns=list(CSV_COLUMNS), dtype=object).fillna("")
    assert table.equals(expected.astype(table.dtypes.to_dict()))
    places = pd.read_csv(out / "places.csv", dtype=str, keep_default_na=False)
    orgs = pd.read_csv(out / "organizations.csv", dtype=str, keep_default_na=False)
    assert tuple(places.columns) == PLACE_COLUMNS and tuple(orgs.columns) == ORG_COLUMNS
    assert places["mentions"].astype(int).sum() == sum(1 for e in entities if "place" in e)
    assert orgs["mentions"].astype(int).sum() == sum(1 for e in entities if "org" in e)


def test_tables_are_byte_identical_from_run_to_run(run_outputs, tmp_path, settings):
    from conftest import CORPUS
    from pipeline.run.corpus import process_corpus

    out, _ = run_outputs
    again = tmp_path / "again"
    process_corpus(CORPUS, again, settings, workers=2)
    for name in ("entities.csv", "organizations.csv", "places.csv"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name


def test_registry_frame_counts_and_orders(tmp_path):
    registry = EntityRegistry()
    beijing = {"id": "cn:11", "name": "Beijing", "level": "province", "province": "Beijing", "country": "CN",
               "lat": 39.9, "lon": 116.4}
    for doc, text in (("a", "Beijing"), ("a", "Peking"), ("b", "Beijing")):
        registry.add(doc, {"label": "PLACE", "text": text, "place": beijing})
    registry.add("a", {"label": "ORG", "text": "Alibaba", "org": {"id": "org:alibaba", "name": "Alibaba Group"}})
    places = registry.frame("place")
    assert isinstance(places, pd.DataFrame) and tuple(places.columns) == PLACE_COLUMNS
    assert places.iloc[0].to_dict() == {"id": "cn:11", "name": "Beijing", "level": "province", "province": "Beijing",
                                        "country": "CN", "lat": "39.9", "lon": "116.4", "mentions": "3",
                                        "documents": "2", "surface_forms": "Beijing|Peking"}
    registry.write(tmp_path / "orgs.csv", tmp_path / "places.csv")
    assert (tmp_path / "orgs.csv").read_text(encoding="utf-8") == (
        "id,name,mentions,documents,surface_forms\norg:alibaba,Alibaba Group,1,1,Alibaba\n")
