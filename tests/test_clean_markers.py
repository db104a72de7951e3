"""End-of-article markers never delete articles (issue 11, item 1).

A copyright notice counts only on a footer-shaped line; sustained prose after
a marker re-opens the article; a document that loses most of its prose gets a
warning instead of `ok`.
"""

from pipeline.clean.cleaner import WORD_RE, clean_text

from conftest import CORPUS

SEED = "001_a70c9ee9ece33c9b"
COPYRIGHT_PARAGRAPH = ("The court ruled on the copyright dispute last year, and the company said all rights reserved "
                       "under the old contract would pass to the farmers' cooperative.")
COPYRIGHT_LINE = "Copyright infringement claims by craftsmen have also risen, the report said."


def _seed_with(paragraphs: list[str]) -> tuple[str, str]:
    raw = (CORPUS / f"{SEED}.txt").read_text(encoding="utf-8")
    lines = raw.split("\n")
    # After the first body paragraph (line 4), so that a cut there loses nearly everything.
    return raw, "\n".join(lines[:5] + sum(([""] + [p] for p in paragraphs), []) + lines[5:])


def test_copyright_sentence_does_not_cut_a_seed_article(settings, extractor):
    raw, edited = _seed_with([COPYRIGHT_PARAGRAPH, COPYRIGHT_LINE])
    before = clean_text(raw, settings.clean, settings.models_dir)
    after = clean_text(edited, settings.clean, settings.models_dir)
    added = len(WORD_RE.findall(COPYRIGHT_PARAGRAPH)) + len(WORD_RE.findall(COPYRIGHT_LINE))
    assert before.words == 709
    assert after.words == before.words + added
    assert COPYRIGHT_PARAGRAPH in after.text and COPYRIGHT_LINE in after.text
    assert after.warnings == []

    def money(text, cleaned):
        return sum(1 for e in extractor.entities(SEED, text, cleaned) if e["label"] == "MONEY")

    assert money(edited, after) == money(raw, before) == 7


def test_footer_notices_still_removed(settings):
    body = ("Local governments and online retailers are working together to help farmers in remote areas "
            "sell their products and improve their incomes, officials said on Monday.")
    for footer in ("© 2021 Example News. All rights reserved.", "Copyright 1995 - 2020 . All rights reserved.",
                   "Copyright China Daily", "All rights reserved. Reproduction without permission is prohibited.",
                   "Copyright © 2022 CGTN. Beijing ICP prepared NO.16065310-3"):
        page = f"A title of the story here\n\n{body}\n\n{footer}\n\nMaterial on this site may not be reproduced"
        cleaned = clean_text(page, settings.clean, settings.models_dir)
        assert body in cleaned.text, footer
        assert footer not in cleaned.text, footer
        assert "Material on this site" not in cleaned.text, footer


def _story(n: int) -> list[str]:
    return [
        f"Story number {n} headline about county markets",
        f"By Reporter Number{n} | Example Daily | Updated: 2020-05-0{n} 09:30",
        f"Farmers in county {n} sold more than {n}00 tonnes of fruit through online stores this spring, "
        "local officials said on Monday, as new logistics centers opened in the villages.",
        f"The county {n} commerce bureau said it had trained about {n},000 people to run online shops "
        "and livestreams, and that sales had doubled from a year earlier.",
        f"Delivery times from the villages of county {n} to the provincial capital fell to one day, "
        "according to the bureau, which plans three more centers next year.",
        f"\"We used to wait for buyers to come to us,\" said a grower in county {n}, who now sells most "
        "of her harvest to customers in other provinces.",
        "© 2020 Example Daily. All rights reserved.",
        "Most Read",
        "Markets rally as exporters report strong orders",
        "Rain delays the harvest in the south",
    ]


def test_every_story_of_a_multi_story_page_is_kept(settings):
    page = "\n\n".join(sum((_story(n) for n in (1, 2, 3)), []))
    cleaned = clean_text(page, settings.clean, settings.models_dir)
    for n in (1, 2, 3):
        story = _story(n)
        for paragraph in story[:6]:
            assert paragraph in cleaned.text, paragraph
    for furniture in ("All rights reserved", "Most Read", "Markets rally", "Rain delays"):
        assert furniture not in cleaned.text, furniture
    assert cleaned.warnings == []
    assert cleaned.title == "Story number 1 headline about county markets"


def test_archive_dump_with_repeated_footers_keeps_all_stories(settings):
    page = "\n".join(sum((_story(n % 9 + 1) for n in range(40)), []))
    cleaned = clean_text(page, settings.clean, settings.models_dir)
    assert cleaned.text.count("commerce bureau said it had trained") == 40
    assert cleaned.warnings == []


def test_a_page_that_loses_most_of_its_prose_gets_a_warning(settings):
    # One paragraph per "Back to top" box: no run of prose long enough to re-open the article.
    paragraphs = [_story(n)[2] for n in range(1, 8)]
    page = "Archive of county news\n\n" + "\n\nBack to top\n\n".join(paragraphs)
    cleaned = clean_text(page, settings.clean, settings.models_dir)
    total = sum(len(WORD_RE.findall(p)) for p in paragraphs)
    kept = len(WORD_RE.findall(paragraphs[0]))
    assert cleaned.warnings == [f"cleaning kept {kept} of {total} prose words"]


def test_a_warning_becomes_the_document_status(settings, tmp_path):
    from pipeline.read.sources import discover
    from pipeline.run.corpus import process_document

    paragraphs = [_story(n)[2] for n in range(1, 8)]
    (tmp_path / "dump.txt").write_text("Archive of county news\n\n" + "\n\nBack to top\n\n".join(paragraphs))
    (tmp_path / "fine.txt").write_text("\n\n".join(_story(1)[:6]))
    results = {s.doc: process_document(s, settings, None) for s in discover(tmp_path)}
    assert results["dump"].info["status"].startswith("warning: cleaning kept ")
    assert results["fine"].info["status"] == "ok"
