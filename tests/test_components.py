"""Rule components on a blank pipeline (spaCy's own testing style)."""

import spacy

import pipeline.components  # noqa: F401


def test_news_numbers_and_dates(settings):
    nlp = spacy.blank("en")
    nlp.add_pipe("news_numbers")
    nlp.add_pipe("news_dates")
    nlp.get_pipe("news_numbers").initialize(lexicon_path=str(settings.models_dir / "lexicon" / "numbers.yml"))
    doc = nlp("Sales rose 30 to 60 percent to RMB 7.5 billion in 2017, or over 160 metric tons by October.")
    found = {(s.text, s.label_) for s in doc.spans["news_rules"]}
    assert {("30 to 60 percent", "PERCENT"), ("RMB 7.5 billion", "MONEY"), ("2017", "DATE"),
            ("over 160 metric tons", "QUANTITY"), ("October", "DATE")} <= found


def test_news_names_shapes(settings):
    nlp = spacy.blank("en")
    nlp.add_pipe("news_names")
    nlp.get_pipe("news_names").initialize(shapes_path=str(settings.models_dir / "patterns" / "names.yml"),
                                          gazetteer_dir=str(settings.models_dir / "gazetteer"))
    doc = nlp("Officials from the Qiandong Rural Credit Cooperative met farmers in Huangping county and in "
              "the Linxia Hui and Gannan Tibetan autonomous prefectures, East China, and visited zhongnong.com.cn.")
    found = {(s.text, s.label_) for s in doc.spans["news_rules"]}
    assert ("Qiandong Rural Credit Cooperative", "ORG") in found
    assert ("Huangping county", "PLACE") in found
    assert ("Linxia Hui", "PLACE") in found and ("Gannan Tibetan", "PLACE") in found
    assert ("East China", "PLACE") in found
    assert ("zhongnong.com.cn", "ORG") in found


def test_extractor_resolves_and_filters(extractor):
    from pipeline.clean.cleaner import clean_text

    raw = ("The Ministry of Commerce and the National Development and Reform Commission said COVID-19 hit sales. "
           "Wang said Meituan invested $2 billion in Tongren city, Guizhou province.")
    cleaned = clean_text(raw, extractor.settings.clean, extractor.settings.models_dir)
    got = {(e["text"], e["label"]) for e in extractor.entities("t", raw, cleaned)}
    assert ("Ministry of Commerce", "ORG") in got
    assert ("National Development and Reform Commission", "ORG") in got
    assert ("Tongren city", "PLACE") in got and ("Guizhou province", "PLACE") in got
    assert ("$2 billion", "MONEY") in got
    assert not any(t in ("COVID-19", "Wang") for t, _ in got)
