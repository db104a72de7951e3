"""Command line: a thin layer over the library (`pipeline --help`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.run.cache import DEFAULT_CACHE_DIR
from pipeline.settings import LABELS, Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Extract ORG, PLACE, MONEY, PERCENT, DATE and QUANTITY from raw news articles.")
gold_app = typer.Typer(no_args_is_help=True, help="Validate, export and import the hand-labeled gold set.")
app.add_typer(gold_app, name="gold")
err = Console(stderr=True)

CORPUS_ARG = typer.Argument(..., help="Folder (or fsspec URL such as s3://bucket/news) of raw articles "
                            "(*.txt, *.html, *.htm, searched recursively).")
RUN_ARG = typer.Argument(..., help="A folder (or fsspec URL) of raw articles; or one article file, or '-' for "
                         "stdin, whose entities are written to stdout as JSONL.")
OUT_OPT = typer.Option(Path("outputs"), "--out", "-o", help="Output folder.")
PARAMS_OPT = typer.Option(None, "--params", help="params.yaml with the tunables (default: ./params.yaml, else the "
                          "project's); models/ beside it is used.")
MODEL_OPT = typer.Option(None, "--model", help="Installed spaCy pipeline for NER (default: params.yaml extract.model).")
WORKERS_OPT = typer.Option(None, "--workers", "-w", help="Local worker processes (default: CPU count).")
STRICT_OPT = typer.Option(False, "--strict", help="Exit 1 if any file failed or was skipped (warnings pass).")
NO_CACHE_OPT = typer.Option(False, "--no-cache", help="Recompute every document (ignore and do not fill the "
                            "result cache; the built pipeline is still kept in --cache-dir).")
CACHE_DIR_OPT = typer.Option(DEFAULT_CACHE_DIR, "--cache-dir",
                             help="Per-document result cache (keyed on raw bytes + extractor version) and the built pipeline.")
DASK_OPT = typer.Option(None, "--dask", help="Run on a Dask cluster: a scheduler address (tcp://host:8786; "
                        "you trust that cluster: tasks and results travel as pickles) or 'local' for a "
                        "TLS-secured LocalCluster on 127.0.0.1.")


def _settings(params: Optional[Path], model: Optional[str]) -> Settings:
    from pipeline.settings import SettingsError

    try:
        return Settings.load(params).with_model(model)
    except SettingsError as exc:
        _fail(str(exc))


def _fail(message: str, code: int = 2):
    err.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _log_to_stderr() -> None:
    """Library warnings (a cache that cannot be written, ...) as plain lines on stderr."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    handler.setLevel(logging.WARNING)
    logging.getLogger("pipeline").addHandler(handler)


def _run(corpus: str, out: Path, settings: Settings, workers: Optional[int], stages: tuple[str, ...],
         strict: bool, cache_dir: Optional[Path] = None, dask: Optional[str] = None,
         pipeline_cache_dir: Optional[Path] = None) -> None:
    from pipeline.read.sources import discover, is_url
    from pipeline.run.corpus import ModelError, process_corpus
    from pipeline.run.outputs import OutputError, OutputLocked

    if not is_url(corpus) and not Path(corpus).is_dir():
        _fail(f"{corpus}: not a folder")
    _log_to_stderr()
    total = len(discover(corpus))
    workers = workers or os.cpu_count() or 1
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=err, disable=not err.is_terminal, transient=True)
    with progress:
        task = progress.add_task("+".join(stages), total=total)
        try:
            summary = process_corpus(corpus, out, settings, workers=workers, stages=stages,
                                     on_document=lambda _r: progress.advance(task), cache_dir=cache_dir,
                                     dask=dask, pipeline_cache_dir=pipeline_cache_dir)
        except OutputLocked as exc:
            _fail(str(exc), 3)
        except (ModelError, OutputError, FileNotFoundError) as exc:
            _fail(str(exc))
    table = Table(title=f"{out}", show_header=True)
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("documents", str(summary.documents))
    table.add_row("words", str(summary.words))
    if "extract" in stages:
        for label in LABELS:
            table.add_row(label, str(summary.labels.get(label, 0)))
    table.add_row("errors", str(len(summary.failed)))
    if summary.warnings:
        table.add_row("warnings", str(len(summary.warnings)))
    err.print(table)
    for path, status in summary.failed + summary.warnings:  # one line per document that is not `ok`
        err.print(f"{path}: {status}", markup=False, highlight=False, soft_wrap=True)
    if strict and summary.failed:
        raise typer.Exit(1)


@app.command()
def run(corpus: str = RUN_ARG, out: Path = OUT_OPT, params: Optional[Path] = PARAMS_OPT,
        model: Optional[str] = MODEL_OPT, workers: Optional[int] = WORKERS_OPT, strict: bool = STRICT_OPT,
        no_cache: bool = NO_CACHE_OPT, cache_dir: Path = CACHE_DIR_OPT, dask: Optional[str] = DASK_OPT,
        published: Optional[str] = typer.Option(None, "--published", help="One file or stdin: the ISO date "
                                                "relative dates resolve against (default: the article's own).")) -> None:
    """Clean and extract every article: writes entities.jsonl, entities.csv, documents.jsonl, clean/.

    With one FILE or '-' (stdin), writes that article's entities to stdout as JSONL instead.
    """
    if corpus == "-" or (not _is_url(corpus) and Path(corpus).is_file()):
        _run_one(corpus, _settings(params, model), published)
        return
    _run(corpus, out, _settings(params, model), workers, ("clean", "extract"), strict,
         cache_dir=None if no_cache else cache_dir, dask=dask, pipeline_cache_dir=cache_dir)


def _is_url(corpus: str) -> bool:
    from pipeline.read.sources import is_url

    return is_url(corpus)


def _run_one(source: str, settings: Settings, published: Optional[str]) -> None:
    """Entities of one file or of stdin, as JSONL on stdout."""
    import json

    from pipeline.api import extract, extract_file
    from pipeline.extractor.extraction import ModelError
    from pipeline.read.sources import ReadError, decode

    try:
        if source == "-":
            text, _ = decode(sys.stdin.buffer.read())
            html = text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
            entities = extract(text, published=published, html=html, settings=settings, doc="stdin")
        else:
            entities = extract_file(source, published=published, settings=settings)
    except ModelError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    except (ReadError, OSError) as exc:
        err.print(f"[red]{source}: {exc}[/red]")
        raise typer.Exit(1)
    out = sys.stdout
    for entity in entities:
        out.write(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=False) + "\n")
    out.flush()


@app.command()
def package(out: Path = typer.Option(Path("packages"), "--out", "-o", help="Where the package folder and wheel go."),
            params: Optional[Path] = PARAMS_OPT, model: Optional[str] = MODEL_OPT,
            build: str = typer.Option("wheel", "--build", help="sdist, wheel, 'sdist,wheel' or none.")) -> None:
    """Build the installable spaCy pipeline package en_news_pipeline-<version> from models/ (wraps `spacy package`)."""
    from pipeline.extractor.extraction import ModelError
    from pipeline.extractor.package import build_package

    try:
        path = build_package(_settings(params, model), out, build=build)
    except ModelError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    err.print(f"package: {path}")


@app.command()
def schema(out: Path = typer.Option(Path("schema"), "--out", "-o", help="Folder for the JSON Schemas.")) -> None:
    """Write the JSON Schemas of entities.jsonl and documents.jsonl (generated from pipeline/records.py)."""
    import json

    from pipeline.records import json_schemas

    out.mkdir(parents=True, exist_ok=True)
    for name, schema_doc in json_schemas().items():
        (out / name).write_text(json.dumps(schema_doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        err.print(f"wrote {out / name}")


@app.command("clean")
def clean_cmd(corpus: Path = CORPUS_ARG, out: Path = OUT_OPT, params: Optional[Path] = PARAMS_OPT,
              workers: Optional[int] = WORKERS_OPT, strict: bool = STRICT_OPT) -> None:
    """Stage 1: boilerplate removal only (documents.jsonl, clean/)."""
    _run(corpus, out, _settings(params, None), workers, ("clean",), strict)


@app.command()
def extract(corpus: Path = CORPUS_ARG, out: Path = OUT_OPT, params: Optional[Path] = PARAMS_OPT,
            model: Optional[str] = MODEL_OPT, workers: Optional[int] = WORKERS_OPT,
            strict: bool = STRICT_OPT) -> None:
    """Stage 2: entities from the clean text of an earlier `clean` (entities.jsonl, entities.csv)."""
    _run(corpus, out, _settings(params, model), workers, ("extract",), strict)




@app.command("evaluate")
def evaluate_cmd(corpus: Path = typer.Argument(Path("corpus"), help="Corpus folder holding gold/."),
                 out: Path = OUT_OPT, params: Optional[Path] = PARAMS_OPT) -> None:
    """Score outputs against corpus/gold: metrics.json, per_label.csv, errors.md."""
    from pipeline.review.evaluation import evaluate, summary_table, write_reports

    settings = _settings(params, None)
    result = evaluate(corpus, out, core_labels=settings.evaluate.core_labels)
    for problem in result["problems"]:
        err.print(problem, markup=False, highlight=False)
    write_reports(result, out)
    m = result["metrics"]
    summary = summary_table(m)
    table = Table(title="strict / overlap F1")
    for col in ("label", "P", "R", "F1", "overlap F1", "value acc"):
        table.add_column(col, justify="right")
    cell = lambda v: "" if v != v else f"{v:.3f}"  # noqa: E731 (NaN: no value to score)
    for label, row in summary.iterrows():
        table.add_row(str(label), cell(row.strict_precision), cell(row.strict_recall), cell(row.strict_f1),
                      cell(row.overlap_f1), "" if row.value_accuracy != row.value_accuracy else str(row.value_accuracy))
    Console().print(table)
    Console().print(f"cleaning F1 {m['cleaning.f1']:.3f}  value accuracy {m['value_accuracy']}")


@gold_app.command("check")
def gold_check(corpus: Path = typer.Argument(Path("corpus"), help="Corpus folder holding gold/.")) -> None:
    """Validate corpus/gold: offsets match the raw text, labels, order, no overlaps."""
    from pipeline.review.gold import check_gold

    from pipeline.review.gold import gold_warnings

    problems = check_gold(corpus)
    for problem in problems:
        err.print(problem)
    for warning in gold_warnings(corpus):
        err.print(f"[yellow]warning[/yellow] {warning}")
    if problems:
        raise typer.Exit(1)
    Console().print(f"{corpus / 'gold'}: ok")


@gold_app.command("export")
def gold_export(
    corpus: Path = typer.Argument(Path("corpus"), help="Corpus folder holding the articles and gold/."),
    docs: Optional[list[str]] = typer.Option(
        None, "--docs", help="Only these articles (file name without extension, or doc id); repeat the option "
                             "or separate names with commas. Default: every article."),
    with_predictions: bool = typer.Option(
        False, "--with-predictions", help="Add the pipeline's entities from OUTPUTS/entities.jsonl as Label Studio "
                                          "predictions (pre-annotations, model_version news-pipeline)."),
    outputs: Path = typer.Option(Path("outputs"), "--outputs",
                                 help="Output folder of an earlier `pipeline run` (read with --with-predictions)."),
    out: Path = typer.Option(Path("labelstudio"), "--out", "-o",
                             help="Folder to write tasks.json and labeling_config.xml into."),
) -> None:
    """Write Label Studio tasks (raw text, existing gold as annotations) and the labeling config."""
    from pipeline.review.labelstudio import LabelStudioError, export_tasks, write_export

    names = [n.strip() for value in (docs or []) for n in value.split(",") if n.strip()]
    try:
        tasks = export_tasks(corpus, names or None, with_predictions, outputs)
    except LabelStudioError as exc:
        for problem in exc.problems:
            err.print(problem, markup=False, highlight=False)
        raise typer.Exit(2)
    tasks_path, config_path = write_export(tasks, out)
    annotated = sum(1 for t in tasks if t.get("annotations"))
    Console().print(f"{tasks_path}: {len(tasks)} tasks, {annotated} with gold annotations"
                    f"{', with predictions' if with_predictions else ''}", markup=False, highlight=False)
    Console().print(f"{config_path}: labeling config", markup=False, highlight=False)


@gold_app.command("import")
def gold_import(
    export: Path = typer.Argument(..., help="Label Studio export in JSON format (not JSON-MIN).",
                                  exists=True, dir_okay=False),
    corpus: Path = typer.Argument(Path("corpus"), help="Corpus folder; spans are written to CORPUS/gold/<name>.jsonl."),
) -> None:
    """Write CORPUS/gold/<name>.jsonl from a Label Studio export, then validate the gold set (exit 1 on problems)."""
    from pipeline.review.gold import check_gold, gold_warnings
    from pipeline.review.labelstudio import LabelStudioError, import_export

    try:
        report = import_export(export, corpus, corpus / "gold")
    except LabelStudioError as exc:
        for problem in exc.problems:
            err.print(problem, markup=False, highlight=False)
        err.print("nothing written", markup=False, highlight=False)
        raise typer.Exit(2)
    for line in report.skipped:
        err.print(f"skipped {line}", markup=False, highlight=False)
    for path in report.written:
        Console().print(f"wrote {path}", markup=False, highlight=False)
    for warning in gold_warnings(corpus):
        err.print(f"warning {warning}", markup=False, highlight=False)
    problems = check_gold(corpus)
    for problem in problems:
        err.print(problem, markup=False, highlight=False)
    if problems:
        raise typer.Exit(1)
    Console().print(f"{corpus / 'gold'}: ok", markup=False, highlight=False)


@app.command("diff")
def diff_cmd(old: str = typer.Argument(..., help="OLD side: an output folder, or a git revision (main, HEAD~1, a sha) "
                                                  "whose committed outputs are read with git show."),
             new: str = typer.Argument(..., help="NEW side: an output folder or a git revision."),
             outputs: str = typer.Option("outputs", "--outputs",
                                         help="Outputs folder inside a git revision (relative to the current directory)."),
             corpus: Path = typer.Option(Path("corpus"), "--corpus",
                                         help="Corpus folder with the raw articles (for each change's sentence)."),
             gold: Optional[Path] = typer.Option(None, "--gold",
                                                 help="Gold folder for the fixes/breaks gold tags (default: CORPUS/gold, if present)."),
             fmt: str = typer.Option("markdown", "--format", help="Output format: markdown (a PR comment) or json."),
             params: Optional[Path] = PARAMS_OPT) -> None:
    """What changed between two runs, on stdout: spans (added, removed, relabeled, moved, values, place/org
    records), document metadata, clean texts (line diffs), and metrics scored now against the gold."""
    from pipeline.review.diff import DiffError, diff, to_json, to_markdown

    if fmt not in ("markdown", "json"):
        err.print(f"[red]--format {fmt}: use markdown or json[/red]")
        raise typer.Exit(2)
    settings = _settings(params, None)
    try:
        report = diff(old, new, outputs=outputs, corpus=corpus, gold_dir=gold,
                      core_labels=settings.evaluate.core_labels)
    except DiffError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    for note in report["notes"]:
        err.print(f"note: {note}", markup=False, highlight=False)
    sys.stdout.write(to_json(report) if fmt == "json" else to_markdown(report))


@app.command("report")
def report_cmd(corpus: Path = typer.Argument(Path("corpus"), help="Corpus folder the run read (raw texts are shown)."),
               out: Path = typer.Option(Path("outputs"), "--out", "-o",
                                        help="Output folder of an earlier `pipeline run`; the site goes to OUT/report/."),
               gold: Optional[Path] = typer.Option(None, "--gold",
                                                   help="Gold folder to compare with (default: CORPUS/gold if it exists)."),
               compare: Optional[str] = typer.Option(None, "--compare",
                                                     help="Mark what changed since another run: an output folder or a "
                                                          "git revision (its committed outputs, as `pipeline diff` reads them)."),
               outputs: str = typer.Option("outputs", "--outputs",
                                           help="Outputs folder inside a git revision (with --compare REV)."),
               params: Optional[Path] = PARAMS_OPT) -> None:
    """Write a static review site: OUT/report/index.html and one page per article (text with entities, labels
    and values, boilerplate, gold mismatches, filters; with --compare the changes). Open index.html in a browser."""
    from pipeline.review.diff import DiffError
    from pipeline.review.report import build_report

    if not (out / "documents.jsonl").exists():
        err.print(f"[red]{out}: no documents.jsonl (run `pipeline run` first)[/red]")
        raise typer.Exit(2)
    if gold is not None and not gold.is_dir():
        err.print(f"[red]{gold}: not a folder[/red]")
        raise typer.Exit(2)
    settings = _settings(params, None)
    gold_dir = gold if gold is not None else (corpus / "gold" if (corpus / "gold").is_dir() else None)
    try:
        result = build_report(corpus, out, gold_dir, compare=compare, outputs=outputs,
                              core_labels=settings.evaluate.core_labels)
    except DiffError as exc:
        err.print(f"[red]--compare {compare}: {exc}[/red]")
        raise typer.Exit(2)
    for problem in result.problems:
        err.print(problem, markup=False, highlight=False)
    Console().print(f"{result.index}", markup=False, highlight=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
