"""pandas tables: read_outputs for notebooks, evaluation tables byte-identical from run to run."""

import csv
import io
import json
import re
import shutil

import pandas as pd
import pytest

from conftest import ROOT
from pipeline.review.evaluation import evaluate, per_label_table, summary_table, write_reports

OUTPUTS = ROOT / "outputs"


def test_read_outputs_on_the_committed_outputs():
    from pipeline import read_outputs

    out = read_outputs(OUTPUTS)
    lines = [json.loads(x) for x in (OUTPUTS / "entities.jsonl").read_text(encoding="utf-8").splitlines() if x]
    assert isinstance(out.entities, pd.DataFrame) and len(out.entities) == len(lines)
    # The flattened columns are entities.csv's, in its order, with the same rows.
    entities_csv = pd.read_csv(OUTPUTS / "entities.csv", keep_default_na=False, dtype=str)
    assert list(out.entities.columns[: len(entities_csv.columns)]) == list(entities_csv.columns)
    for column in ("doc", "label", "text", "place_id", "org_id"):
        got = out.entities[column].fillna("").astype(str).tolist()
        assert got == entities_csv[column].tolist(), column
    assert out.entities["start"].dtype.kind == "i" and out.entities["end"].dtype.kind == "i"
    money = out.entities[out.entities.label == "MONEY"]
    assert len(money) == sum(1 for e in lines if e["label"] == "MONEY") and money["amount"].notna().all()
    assert out.documents["doc"].tolist() == sorted(out.documents["doc"])
    assert len(out.documents) == sum(1 for x in (OUTPUTS / "documents.jsonl").read_text().splitlines() if x)
    assert out.organizations["id"].dtype == "string" and out.organizations["mentions"].dtype.kind == "i"
    assert out.places["lat"].dtype.kind == "f"
    assert out.per_label["label"].tolist() == ["ORG", "PLACE", "MONEY", "PERCENT", "DATE", "QUANTITY"]
    metrics = json.loads((OUTPUTS / "metrics.json").read_text(encoding="utf-8"))
    assert out.metrics.loc["core", "strict_f1"] == metrics["core.strict.f1"]
    assert list(out.metrics.index) == ["ORG", "PLACE", "MONEY", "PERCENT", "DATE", "QUANTITY", "core", "micro"]


def test_read_outputs_of_a_partial_folder(tmp_path):
    from pipeline import read_outputs

    with pytest.raises(FileNotFoundError, match="documents.jsonl"):
        read_outputs(tmp_path)
    (tmp_path / "documents.jsonl").write_text('{"doc": "a", "path": "a.txt", "status": "error: not text"}\n',
                                              encoding="utf-8")
    out = read_outputs(tmp_path)
    assert out.entities.empty and "place_id" in out.entities.columns and "amount" in out.entities.columns
    assert out.documents.loc[0, "status"] == "error: not text" and out.per_label.empty and out.metrics.empty


def test_readme_notebook_example_runs(monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Notebooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(code, "README.md (Notebooks)", "exec"), namespace)  # noqa: S102 - the documented example
    assert isinstance(namespace["out"].entities, pd.DataFrame)


def test_evaluation_tables_are_dataframes_and_byte_identical(tmp_path):
    out = tmp_path / "out"
    shutil.copytree(OUTPUTS, out, ignore=shutil.ignore_patterns("report"))
    if not (out / "clean").is_dir():
        pytest.skip("outputs/clean not checked out (dvc pull or dvc repro)")
    result = evaluate(ROOT / "corpus", out)
    table = per_label_table(result)
    assert isinstance(table, pd.DataFrame) and list(table.columns)[:3] == ["label", "gold", "predicted"]
    summary = summary_table(result["metrics"])
    assert summary.loc["core", "strict_f1"] == result["metrics"]["core.strict.f1"]
    write_reports(result, out)
    first = {n: (out / n).read_bytes() for n in ("per_label.csv", "metrics.json", "errors.md")}
    write_reports(evaluate(ROOT / "corpus", out), out)
    assert first == {n: (out / n).read_bytes() for n in first}
    # The same bytes the csv module wrote before the tables were DataFrames.
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(result["per_label"][0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(result["per_label"])
    assert first["per_label.csv"] == buf.getvalue().encode("utf-8")
