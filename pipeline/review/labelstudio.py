"""Label Studio round trip for the gold set (`pipeline gold export` / `gold import`).

People label in a tool, not in JSON. This module turns corpus articles into
Label Studio tasks and a Label Studio JSON export back into
`corpus/gold/<name>.jsonl`, with plain dicts only (Label Studio itself is not a
dependency). The formats follow the Label Studio documentation:

- import tasks ("Basic Label Studio JSON format"): a list of
  `{"data": {...}, "annotations": [{"result": [...]}], "predictions":
  [{"model_version": ..., "result": [...]}]}`;
- a span region in a `result`: `{"id", "from_name": "label", "to_name":
  "text", "type": "labels", "value": {"start", "end", "text", "labels":
  [LABEL]}}`, offsets being character offsets into `data.text`;
- the JSON export: the same tasks with `id`, and annotations carrying `id`,
  `was_cancelled`, `created_at`, `updated_at`, `completed_by`, ....

Coordinates: `data.text` is the raw article decoded exactly as the pipeline
decodes it (`pipeline.read.sources.load`), so Label Studio's offsets are the gold's
raw-text offsets. Label Studio counts offsets in code points (as Python does),
and it may collapse whitespace in `value.text`, so on import `text` is always
re-read as `raw[start:end]`; `value.text` is only used as a sanity check.

Normalized values (amount, currency, qualifier, ...) are not edited in Label
Studio: on import they are carried over from the existing gold file for spans
whose (start, end, label) did not change, and left out otherwise
(`pipeline.review.gold.gold_warnings` lists MONEY and PERCENT spans still missing
them). The cleaning gold (`<name>.lines.json`) is never read or written here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from pipeline.run.outputs import atomic_write_text, dumps
from pipeline.read.sources import ReadError, SourceFile, discover, load
from pipeline.settings import LABELS

MODEL_VERSION = "news-pipeline"
FROM_NAME = "label"  # <Labels name="label" ...>
TO_NAME = "text"  # <Text name="text" value="$text"/>
RESULT_TYPE = "labels"
# Fields of a gold span that Label Studio does not edit: carried over on import.
NORMALIZED_FIELDS = ("amount", "currency", "qualifier", "amount_max", "equivalent_of", "value", "value_max", "unit")
LABEL_COLORS = {
    "ORG": "#1f77b4",
    "PLACE": "#2ca02c",
    "MONEY": "#ff7f0e",
    "PERCENT": "#9467bd",
    "DATE": "#d62728",
    "QUANTITY": "#8c564b",
}
TASKS_FILE = "tasks.json"
CONFIG_FILE = "labeling_config.xml"


class LabelStudioError(ValueError):
    """The export cannot be imported; `problems` says why, one line each. Nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line each: a task with nothing to import


# --- labeling config -------------------------------------------------------------------------


def labeling_config() -> str:
    """The Label Studio labeling config (XML) for the six labels over the raw text.

    The `<Style>` keeps the article's line breaks and spaces visible; offsets
    are counted on the raw text either way.
    """
    labels = "\n".join(
        f'    <Label value="{label}" background="{LABEL_COLORS[label]}"/>' for label in LABELS
    )
    return (
        "<View>\n"
        "  <Style>.htx-text { white-space: pre-wrap; }</Style>\n"
        f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n'
        f"{labels}\n"
        "  </Labels>\n"
        f'  <Text name="{TO_NAME}" value="${TO_NAME}"/>\n'
        "</View>\n"
    )


# --- export ----------------------------------------------------------------------------------


def _name(source: SourceFile) -> str:
    """The gold file name of an article: its file stem (as `check_gold` uses)."""
    return Path(source.relpath).stem


def select_sources(corpus: Path, docs: Optional[Iterable[str]] = None) -> list[SourceFile]:
    """The corpus articles to export: all, or those named (file stem or doc id) in `docs`."""
    sources = discover(corpus)
    if not docs:
        return sources
    wanted = list(dict.fromkeys(docs))
    chosen, unknown = [], []
    for want in wanted:
        hits = [s for s in sources if want in (s.doc, _name(s), s.relpath)]
        if not hits:
            unknown.append(want)
        for hit in hits:
            if hit not in chosen:
                chosen.append(hit)
    if unknown:
        raise LabelStudioError([f"{corpus}: no article named {name}" for name in unknown])
    return sorted(chosen, key=lambda s: s.doc)


def _region(region_id: str, start: int, end: int, text: str, label: str) -> dict:
    return {
        "id": region_id,
        "from_name": FROM_NAME,
        "to_name": TO_NAME,
        "type": RESULT_TYPE,
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _predictions_by_doc(outputs_dir: Path) -> dict[str, list[dict]]:
    path = outputs_dir / "entities.jsonl"
    if not path.is_file():
        raise LabelStudioError([f"{path}: not found (run `pipeline run CORPUS --out {outputs_dir}` first)"])
    by_doc: dict[str, list[dict]] = {}
    for record in _read_jsonl(path):
        by_doc.setdefault(record["doc"], []).append(record)
    return by_doc


def export_tasks(corpus: Path, docs: Optional[Iterable[str]] = None, with_predictions: bool = False,
                 outputs_dir: Path = Path("outputs")) -> list[dict]:
    """Label Studio import tasks, one per article, in doc order.

    `data` holds the raw text (`pipeline.read.sources.load(source).text`), the doc
    id and the file stem (`name`). An article's existing gold becomes its
    `annotations`, to be reviewed and corrected; with `with_predictions`, the
    pipeline's entities from `outputs_dir/entities.jsonl` are added as
    `predictions` (model_version "news-pipeline"), as pre-annotations for
    people growing a new gold file. Region ids are deterministic.
    """
    sources = select_sources(corpus, docs)
    predicted = _predictions_by_doc(outputs_dir) if with_predictions else {}
    gold_dir = corpus / "gold"
    tasks: list[dict] = []
    problems: list[str] = []
    for source in sources:
        name = _name(source)
        try:
            raw = load(source).text
        except ReadError as exc:
            problems.append(f"{source.path}: {exc}")
            continue
        task: dict[str, Any] = {"data": {"text": raw, "doc": source.doc, "name": name}}
        gold_path = gold_dir / f"{name}.jsonl"
        if gold_path.is_file():
            try:
                gold = _read_jsonl(gold_path)
            except json.JSONDecodeError as exc:
                problems.append(f"{gold_path}: not JSON lines ({exc.msg}); run `pipeline gold check`")
                continue
            result = []
            for number, span in enumerate(gold, start=1):
                start, end = span["start"], span["end"]
                result.append(_region(f"{name}-g{number}", start, end, raw[start:end], span["label"]))
            task["annotations"] = [{"result": result}]
        if with_predictions:
            result = [
                _region(f"{name}-p{number}", e["start"], e["end"], raw[e["start"]:e["end"]], e["label"])
                for number, e in enumerate(sorted(predicted.get(source.doc, []), key=lambda e: (e["start"], e["end"])),
                                           start=1)
                if e.get("label") in LABELS
            ]
            task["predictions"] = [{"model_version": MODEL_VERSION, "result": result}]
        tasks.append(task)
    if problems:
        raise LabelStudioError(problems)
    return tasks


def write_export(tasks: list[dict], out_dir: Path) -> tuple[Path, Path]:
    """Write `tasks.json` and `labeling_config.xml` into `out_dir` (atomically)."""
    tasks_path, config_path = out_dir / TASKS_FILE, out_dir / CONFIG_FILE
    atomic_write_text(tasks_path, json.dumps(tasks, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(config_path, labeling_config())
    return tasks_path, config_path


# --- import ----------------------------------------------------------------------------------


def _sort_key_id(value: Any) -> tuple[int, Any]:
    if isinstance(value, int):
        return (0, value)
    try:
        return (0, int(str(value)))
    except ValueError:
        return (1, str(value))


def latest_annotation(task: dict) -> Optional[dict]:
    """The task's most recent annotation that was not cancelled (skipped), or None.

    "Most recent" is by `updated_at`, then `created_at`, then `id`, then
    position in the list.
    """
    candidates = [(i, a) for i, a in enumerate(task.get("annotations") or [])
                  if isinstance(a, dict) and not a.get("was_cancelled")]
    if not candidates:
        return None
    _, best = max(candidates, key=lambda ia: (str(ia[1].get("updated_at") or ia[1].get("created_at") or ""),
                                              _sort_key_id(ia[1].get("id")), ia[0]))
    return best


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _spans_from_annotation(annotation: dict, raw: str, doc: str, where: str,
                           problems: list[str]) -> list[dict]:
    spans: dict[tuple[int, int, str], dict] = {}
    for number, item in enumerate(annotation.get("result") or [], start=1):
        if not isinstance(item, dict) or item.get("type") != RESULT_TYPE:
            continue  # relations, text areas, choices: not spans
        here = f"{where}: result {item.get('id', number)}"
        value = item.get("value") or {}
        start, end, labels = value.get("start"), value.get("end"), value.get("labels")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(raw):
            problems.append(f"{here}: bad offsets {start}..{end} (text has {len(raw)} characters)")
            continue
        if not isinstance(labels, list) or len(labels) != 1 or labels[0] not in LABELS:
            problems.append(f"{here}: needs exactly one of {', '.join(LABELS)}, got {labels!r}")
            continue
        shown = value.get("text")
        if isinstance(shown, str) and _squeeze(shown) != _squeeze(raw[start:end]):
            problems.append(f"{here}: raw[{start}:{end}] is {raw[start:end]!r}, Label Studio shows {shown!r}")
            continue
        key = (start, end, labels[0])
        spans[key] = {"doc": doc, "start": start, "end": end, "label": labels[0], "text": raw[start:end]}
    return [spans[k] for k in sorted(spans, key=lambda k: (k[0], k[1], LABELS.index(k[2])))]


def _carry_over(spans: list[dict], existing_path: Path) -> None:
    """Copy normalized fields from the existing gold for spans with the same (start, end, label)."""
    if not existing_path.is_file():
        return
    old: dict[tuple, dict] = {}
    for line in existing_path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            old[(record.get("start"), record.get("end"), record.get("label"))] = record
    for span in spans:
        previous = old.get((span["start"], span["end"], span["label"]))
        if previous is None:
            continue
        for key, value in previous.items():  # the existing file's key order
            if key in NORMALIZED_FIELDS:
                span[key] = value


def _load_export(export_json: Any) -> list:
    if isinstance(export_json, (str, Path)):
        path = Path(export_json)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise LabelStudioError([f"{path}: cannot read ({exc.strerror or exc})"]) from None
        except json.JSONDecodeError as exc:
            raise LabelStudioError([f"{path}: not JSON ({exc.msg}, line {exc.lineno})"]) from None
    else:
        data = export_json
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise LabelStudioError(["the export is not a list of tasks (use Label Studio's JSON export)"])
    return data


def import_export(export_json: Any, corpus: Path, gold_dir: Optional[Path] = None) -> ImportReport:
    """Write `gold_dir/<name>.jsonl` from a Label Studio JSON export.

    `export_json` is the export file's path or its parsed content (a list of
    tasks). For each task, the latest annotation that was not cancelled is
    taken; tasks without one are skipped (listed in the report). Spans are
    sorted by start, with "doc", "start", "end", "label" and "text" =
    raw[start:end]; normalized fields are carried over from the existing gold
    file for unchanged (start, end, label) and left out otherwise.

    Everything is checked before anything is written: on any problem
    (unknown article, changed raw text, bad offsets, a region without exactly
    one known label, JSON-MIN instead of JSON) a LabelStudioError lists them
    all and no file is touched. Overlaps and ordering are left to
    `pipeline.review.gold.check_gold`. `.lines.json` files are never touched.
    """
    gold_dir = gold_dir if gold_dir is not None else corpus / "gold"
    tasks = _load_export(export_json)
    by_name: dict[str, SourceFile] = {}
    by_doc: dict[str, SourceFile] = {}
    for source in discover(corpus):
        by_name.setdefault(_name(source), source)
        by_doc[source.doc] = source
    problems: list[str] = []
    report = ImportReport()
    pending: dict[str, list[dict]] = {}
    for index, task in enumerate(tasks):
        where = f"task {task.get('id', index + 1) if isinstance(task, dict) else index + 1}"
        if isinstance(task, dict) and "data" not in task and "annotations" not in task and "text" in task:
            problems.append(f"{where}: looks like a JSON-MIN export; export as JSON instead")
            continue
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            problems.append(f"{where}: not a Label Studio task (no 'data')")
            continue
        data = task["data"]
        source = by_name.get(str(data.get("name"))) or by_doc.get(str(data.get("doc")))
        if source is None:
            problems.append(f"{where}: no article named {data.get('name')!r} (doc {data.get('doc')!r}) in {corpus}")
            continue
        name = _name(source)
        where = f"{where} ({name})"
        annotation = latest_annotation(task)
        if annotation is None:
            report.skipped.append(f"{where}: no annotation that was not cancelled; {name}.jsonl left as it is")
            continue
        if name in pending:
            problems.append(f"{where}: a second annotated task for {name} in the same export")
            continue
        try:
            raw = load(source).text
        except ReadError as exc:
            problems.append(f"{where}: {source.path}: {exc}")
            continue
        if isinstance(data.get("text"), str) and data["text"] != raw:
            problems.append(f"{where}: the task's text is not the raw article {source.relpath} as it is now")
            continue
        spans = _spans_from_annotation(annotation, raw, source.doc, where, problems)
        _carry_over(spans, gold_dir / f"{name}.jsonl")
        pending[name] = spans
    if problems:
        raise LabelStudioError(problems)
    for name, spans in sorted(pending.items()):
        path = gold_dir / f"{name}.jsonl"
        atomic_write_text(path, "".join(dumps(span) + "\n" for span in spans))
        report.written.append(path)
    return report
