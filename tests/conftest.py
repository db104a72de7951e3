import warnings
from pathlib import Path

import pytest

from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.load()


@pytest.fixture(scope="session")
def extractor(settings):
    from pipeline.extractor.extraction import Extractor

    return Extractor(settings)


@pytest.fixture(scope="session")
def run_outputs(tmp_path_factory, settings):
    """One full run over the repository corpus, shared by the contract tests."""
    from pipeline.run.corpus import process_corpus

    out = tmp_path_factory.mktemp("outputs")
    summary = process_corpus(CORPUS, out, settings, workers=1)
    return out, summary
