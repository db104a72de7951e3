"""HTML pages (issue 14, item 5): recall on page families, visible text only, language.

The fixtures under tests/fixtures/html/ are invented pages, one per family:
a news article with a lead paragraph, byline and caption outside the
article-body div; a list article; a Q&A interview whose questions are in
<div class="question">; a photo page whose story sits in divs trafilatura
does not take; a German page.
"""

import html
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.clean.cleaner import clean_html

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "html"


def page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def cleaned(name, settings):
    return clean_html(page(name), settings.clean, settings.models_dir)


def visible(raw_piece: str) -> str:
    """What a browser shows for a stretch of raw HTML: tags out, references decoded, whitespace squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", raw_piece)).split())


def test_news_article_keeps_headline_lead_byline_and_caption(settings):
    c = cleaned("news_lead.html", settings)
    for kept in ("Harbour city opens new container terminal",
                 "The port of Qinzhou opened a 4.2-billion-yuan container terminal on Tuesday",
                 "By Mei Lan | Updated: 2023-04-18 08:30",
                 "Cranes unload a container ship at the new terminal in Qinzhou",
                 "Analysts at Orient Securities said the expansion"):
        assert kept in c.text, kept
    for furniture in ("Home", "Opinion", "Related stories", "Rail freight to Laos", "Copyright", "About us"):
        assert furniture not in c.text, furniture
    assert c.text.startswith("Harbour city opens") and c.warnings == []
    assert c.published == "2023-04-18" and c.outlet == "Coastal Business Times" and c.language == "en"


def test_list_items_are_kept(settings):
    c = cleaned("list_article.html", settings)
    for item in ("A lower duty-free limit. Parcels worth more than 150 yuan will pay import duty",
                 "Electronic declarations.", "Bonded warehouses gain.", "Returns get easier.",
                 "Fines rise. Platforms that file wrong values face fines of up to 50,000 yuan"):
        assert item in c.text, item
    assert "- A lower" not in c.text and "Privacy policy" not in c.text and "Logistics" not in c.text
    assert c.words == 155


def test_interview_questions_are_kept(settings):
    c = cleaned("qa_interview.html", settings)
    questions = re.findall(r"^Q: .*\?$", c.text, flags=re.M)
    assert len(questions) == 4
    answers = c.text.split("\n\n")
    assert answers[answers.index("Q: Has that changed?") + 1].startswith("Yes. The county built four")
    assert "Copyright 2022 Rural Review" not in c.text and "Interviews" not in c.text


def test_a_page_that_yields_a_caption_only_gets_a_warning(settings):
    c = cleaned("caption_only.html", settings)
    assert c.text == ("Farmers pick tea leaves on a plantation in the Wuyi mountains, Fujian province, on Monday, "
                      "as the spring harvest begins.")
    assert c.warnings == ["cleaning kept 20 of 132 prose words"]
    assert c.published is None  # not 2021-01-01 from the copyright line


def test_clean_text_has_no_markup_and_spans_cover_exactly_their_source(settings):
    for path in sorted(FIXTURES.glob("*.html")):
        raw = path.read_text(encoding="utf-8")
        c = clean_html(raw, settings.clean, settings.models_dir)
        assert not re.search(r"<[a-zA-Z/!]|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);", c.text), path.name
        assert not re.search(r"\s\s", c.text.replace("\n\n", "\n")) and "\xa0" not in c.text
        for paragraph in re.finditer(r"[^\n]+", c.text):
            words = list(re.finditer(r"\S+", paragraph.group(0)))
            for a in range(len(words)):
                for b in range(a, min(a + 6, len(words))):  # every span of up to six words
                    start, end = paragraph.start() + words[a].start(), paragraph.start() + words[b].end()
                    raw_start, raw_end = c.offsets.to_raw(start, end)
                    piece = raw[raw_start:raw_end]
                    assert visible(piece) == c.text[start:end], (path.name, c.text[start:end], piece)
                    assert not piece.startswith("<") and not piece.endswith(">"), piece


def test_span_crossing_a_link_and_an_ampersand(settings):
    raw = page("news_lead.html")
    c = clean_html(raw, settings.clean, settings.models_dir)
    i = c.text.index("the Guangxi Department")
    start, end = c.offsets.to_raw(i, i + len("the Guangxi Department of Commerce said"))
    assert raw[start:end] == 'the <a href="https://example.org/commerce">Guangxi Department of Commerce</a> said'
    j = c.text.index("machinery & electronics")
    start, end = c.offsets.to_raw(j, j + len("machinery & electronics"))
    assert raw[start:end] == "machinery &amp; electronics"


def test_references_without_semicolon_and_unclosed_head(settings):
    raw = ("<html><head><title>t</title><body><h1>Exports rise again at the port of Ningbo</h1>"
           "<p>Exports from Ningbo&nbsp;rose 7 percent to 3 billion yuan in 2022, officials at AT&amp T said "
           "on Monday, adding that the port had added two new berths.</p></body></html>")
    c = clean_html(raw, settings.clean, settings.models_dir)
    assert "Ningbo rose 7 percent" in c.text
    i = c.text.index("Ningbo rose")
    start, end = c.offsets.to_raw(i, i + len("Ningbo rose"))
    assert raw[start:end] == "Ningbo&nbsp;rose"


def test_language_is_detected_and_other_languages_are_skipped(settings, tmp_path):
    from pipeline.read.sources import discover
    from pipeline.extractor.extraction import Extractor
    from pipeline.run.corpus import process_corpus, process_document

    assert cleaned("german_news.html", settings).language == "de"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("german_news.html", "news_lead.html"):
        (corpus / name).write_text(page(name), encoding="utf-8")
    out = tmp_path / "out"
    process_corpus(corpus, out, settings)
    docs = {d["doc"]: d for d in map(json.loads, (out / "documents.jsonl").read_text().splitlines())}
    assert docs["german_news"]["language"] == "de" and docs["german_news"]["status"] == "skipped: language de"
    assert docs["news_lead"]["language"] == "en" and docs["news_lead"]["status"] == "ok"
    entities = [json.loads(line) for line in (out / "entities.jsonl").read_text().splitlines()]
    assert entities and {e["doc"] for e in entities} == {"news_lead"}

    every = replace(settings, clean=replace(settings.clean, languages=()))
    german = next(s for s in discover(corpus) if s.doc == "german_news")
    result = process_document(german, every, Extractor(every))
    assert result.info["status"] == "ok" and result.info["language"] == "de" and result.entities


@pytest.mark.parametrize("text, expected", [
    ("Sales rose 5 percent.", None),  # too short to tell
    ("Local governments and online retailers are working together to help farmers in remote areas sell "
     "their products and improve their incomes, officials said on Monday.", "en"),
])
def test_short_text_has_no_language(text, expected):
    from pipeline.clean.language import detect_language

    assert detect_language(text) == expected


# News prose in other Latin-script languages: almost none of its words are the English function words.
OTHER_LANGUAGES = {
    "de": "Die Bundesregierung hat am Dienstag beschlossen, die Förderung für Elektroautos zu verlängern. "
          "Der Minister sagte, das Programm werde bis Ende des Jahres fortgesetzt, was die Hersteller begrüßten.",
    "fr": "Le gouvernement a annoncé mardi un nouveau plan de soutien aux agriculteurs touchés par la sécheresse. "
          "Le ministre a déclaré que les aides seraient versées avant la fin du mois, selon les syndicats.",
    "nl": "De regering heeft dinsdag besloten om de subsidie voor zonnepanelen te verlengen. De minister zei dat "
          "het programma tot het einde van het jaar doorloopt. Of de regeling daarna blijft bestaan is onduidelijk.",
    "pl": "Rząd ogłosił we wtorek nowy program wsparcia dla rolników dotkniętych suszą. Minister powiedział, że "
          "to pomoc zostanie wypłacona przed końcem miesiąca. To jest trudny rok dla wielu gospodarstw.",
    "da": "Regeringen besluttede tirsdag at forlænge tilskuddet til solceller. Ministeren sagde, at programmet "
          "fortsætter til udgangen af året, og at der er penge nok til at dække efterspørgslen.",
    "pt": "O governo anunciou na terça-feira um novo plano de apoio aos agricultores afetados pela seca. O "
          "ministro disse que as ajudas serão pagas antes do fim do mês, segundo os números publicados.",
}


def test_english_is_told_by_function_words_without_the_model():
    """English pages never load py3langid (0.45 s); every other page still goes to it."""
    from pipeline.clean.cleaner import load_vocabulary, vocabulary_path
    from pipeline.clean.language import english_share

    vocab = load_vocabulary(vocabulary_path(ROOT / "models"))
    for path in sorted((ROOT / "corpus").glob("*.txt")):  # whole raw pages, furniture and all
        assert english_share(path.read_text(encoding="utf-8"), vocab.english_words) >= vocab.english_min_share
    for language, text in OTHER_LANGUAGES.items():
        assert english_share(text, vocab.english_words) < vocab.english_min_share / 3, language
    probe = ("from pipeline.clean.language import _identifier, detect_language\n"
             "from pipeline.clean.cleaner import load_vocabulary, vocabulary_path\n"
             "from pathlib import Path\n"
             "import sys\n"
             "v = load_vocabulary(vocabulary_path(Path(sys.argv[1])))\n"
             "print(detect_language(sys.argv[2], '', v.english_words, v.english_min_share),"
             " _identifier.cache_info().currsize)\n")
    english = (ROOT / "corpus" / "003_3f99e120a1a95286.txt").read_text(encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", probe, str(ROOT / "models"), english], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["en", "0"]  # English, and the model never loaded
    out = subprocess.run([sys.executable, "-c", probe, str(ROOT / "models"), OTHER_LANGUAGES["de"] * 2],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["de", "1"]
