"""`pipeline package`: the news pipeline as an installable spaCy package.

The pipeline is built and initialized from models/, saved with
`nlp.to_disk` (every component's data travels inside it), and handed to
`spacy package`, which writes `en_news_pipeline-<version>/` and, by default,
a wheel. spaCy adds this project (`news-pipeline`, whose entry points
register the news_* factories) to the package's requirements.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pipeline
from pipeline.extractor.extraction import load_pipeline
from pipeline.settings import Settings

PACKAGE_NAME = "news_pipeline"  # spaCy prefixes the language: en_news_pipeline


def build_package(settings: Settings, out: Path, *, build: str = "wheel") -> Path:
    """Build the package; returns its folder (`out/en_news_pipeline-<version>`).

    Args:
        settings: models_dir and extract.model to build from.
        out: output folder (created).
        build: "wheel", "sdist", "sdist,wheel" or "none".
    """
    from spacy.cli.package import get_build_formats, package

    nlp = load_pipeline(settings)
    nlp.meta.update({
        "name": PACKAGE_NAME, "version": pipeline.__version__,
        "description": "News extractor: ORG, PLACE, MONEY, PERCENT, DATE, QUANTITY with normalized values "
                       f"and grounding (NER sourced from {settings.extract.model}).",
        "license": "MIT", "author": "news-pipeline",
    })
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    create_sdist, create_wheel = get_build_formats([f for f in build.split(",") if f])
    with tempfile.TemporaryDirectory(prefix="news-pipeline-") as tmp:
        saved = Path(tmp) / "pipeline"
        nlp.to_disk(saved)
        package(saved, out, create_sdist=create_sdist, create_wheel=create_wheel, force=True, silent=True)
    folder = out / f"{nlp.lang}_{PACKAGE_NAME}-{pipeline.__version__}"
    shutil.rmtree(folder / "build", ignore_errors=True)
    return folder
