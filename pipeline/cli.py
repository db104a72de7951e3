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

from pipeline.settings import DEFAULT_PARAMS, LABELS, Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Extract ORG, PLACE, MONEY, PERCENT, DATE and QUANTITY from raw news articles.")
gold_app = typer.Typer(no_args_is_help=True, help="Validate, export and import the hand-labeled gold set.")
app.add_typer(gold_app, name="gold")
err = Console(stderr=True)

CORPUS_ARG = typer.Argument(..., help="Folder of raw articles (*.txt, *.html, *.htm, searched recursively).")
OUT_OPT = typer.Option(Path("outputs"), "--out", "-o", help="Output folder.")
PARAMS_OPT = typer.Option(DEFAULT_PARAMS, "--params", help="params.yaml with the tunables.")
MODEL_OPT = typer.Option(None, "--model", help="Installed spaCy pipeline for NER (default: params.yaml extract.model).")
WORKERS_OPT = typer.Option(None, "--workers", "-w", help="Local worker processes (default: CPU count).")
STRICT_OPT = typer.Option(False, "--strict", help="Exit 1 if any file failed.")


def _settings(params: Path, model: Optional[str]) -> Settings:
    try:
        return Settings.load(params).with_model(model)
    except (OSError, ValueError) as exc:
        err.print(f"[red]{params}: {exc}[/red]")
        raise typer.Exit(2)


def _run(corpus: Path, out: Path, settings: Settings, workers: Optional[int], stages: tuple[str, ...],
         strict: bool) -> None:
    from pipeline.outputs import OutputLocked
    from pipeline.reading import discover
    from pipeline.runner import process_corpus

    if not corpus.is_dir():
        err.print(f"[red]{corpus}: not a folder[/red]")
        raise typer.Exit(2)
    total = len(discover(corpus))
    workers = workers or os.cpu_count() or 1
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=err, disable=not err.is_terminal, transient=True)
    with progress:
        task = progress.add_task("+".join(stages), total=total)
        try:
            summary = process_corpus(corpus, out, settings, workers=workers, stages=stages,
                                     on_document=lambda _r: progress.advance(task))
        except OutputLocked as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(3)
        except RuntimeError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2)
    table = Table(title=f"{out}", show_header=True)
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("documents", str(summary.documents))
    table.add_row("words", str(summary.words))
    if "extract" in stages:
        for label in LABELS:
            table.add_row(label, str(summary.labels.get(label, 0)))
    table.add_row("errors", str(len(summary.failed)))
    err.print(table)
    for path, reason in summary.failed:
        err.print(f"[yellow]failed[/yellow] {path}: {reason}")
    if strict and summary.failed:
        raise typer.Exit(1)


@app.command()
def run(corpus: Path = CORPUS_ARG, out: Path = OUT_OPT, params: Path = PARAMS_OPT, model: Optional[str] = MODEL_OPT,
        workers: Optional[int] = WORKERS_OPT, strict: bool = STRICT_OPT) -> None:
    """Clean and extract every article: writes entities.jsonl, entities.csv, documents.jsonl, clean/."""
    _run(corpus, out, _settings(params, model), workers, ("clean", "extract"), strict)


@app.command("clean")
def clean_cmd(corpus: Path = CORPUS_ARG, out: Path = OUT_OPT, params: Path = PARAMS_OPT,
              workers: Optional[int] = WORKERS_OPT, strict: bool = STRICT_OPT) -> None:
    """Stage 1: boilerplate removal only (documents.jsonl, clean/)."""
    _run(corpus, out, _settings(params, None), workers, ("clean",), strict)


@app.command()
def extract(corpus: Path = CORPUS_ARG, out: Path = OUT_OPT, params: Path = PARAMS_OPT,
            model: Optional[str] = MODEL_OPT, workers: Optional[int] = WORKERS_OPT,
            strict: bool = STRICT_OPT) -> None:
    """Stage 2: entities from the clean text of an earlier `clean` (entities.jsonl, entities.csv)."""
    _run(corpus, out, _settings(params, model), workers, ("extract",), strict)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())


@app.command("evaluate")
def evaluate_cmd(corpus: Path = typer.Argument(Path("corpus"), help="Corpus folder holding gold/."),
                 out: Path = OUT_OPT, params: Path = PARAMS_OPT) -> None:
    """Score outputs against corpus/gold: metrics.json, per_label.csv, errors.md."""
    from pipeline.evaluation import evaluate, write_reports

    settings = _settings(params, None)
    result = evaluate(corpus, out, core_labels=settings.evaluate.core_labels)
    write_reports(result, out)
    m = result["metrics"]
    table = Table(title="strict / overlap F1")
    for col in ("label", "P", "R", "F1", "overlap F1", "value acc"):
        table.add_column(col, justify="right")
    for label in (*LABELS, "core", "micro"):
        table.add_row(label, f"{m[f'{label}.strict.precision']:.3f}", f"{m[f'{label}.strict.recall']:.3f}",
                      f"{m[f'{label}.strict.f1']:.3f}", f"{m[f'{label}.overlap.f1']:.3f}",
                      str(m.get(f"{label}.value_accuracy", "") or ""))
    Console().print(table)
    Console().print(f"cleaning F1 {m['cleaning.f1']:.3f}  value accuracy {m['value_accuracy']}")


@gold_app.command("check")
def gold_check(corpus: Path = typer.Argument(Path("corpus"), help="Corpus folder holding gold/.")) -> None:
    """Validate corpus/gold: offsets match the raw text, labels, order, no overlaps."""
    from pipeline.gold import check_gold

    problems = check_gold(corpus)
    for problem in problems:
        err.print(problem)
    if problems:
        raise typer.Exit(1)
    Console().print(f"{corpus / 'gold'}: ok")
