"""Places grounded in the gazetteer, organizations canonical: one test per rule."""

import pytest

from pipeline.clean.cleaner import clean_text


@pytest.fixture(scope="module")
def extract(extractor):
    def run(raw):
        cleaned = clean_text(raw, extractor.settings.clean, extractor.settings.models_dir)
        return extractor.entities("t", raw, cleaned)
    return run


def _by_text(entities, text):
    return [e for e in entities if e["text"] == text]


def test_designators_resolve_with_level(extract):
    ents = extract("Farmers in Dangshan county and Heze city sold pears, officials in Yunnan province said.")
    assert _by_text(ents, "Dangshan county")[0]["place"]["level"] == "county"
    assert _by_text(ents, "Dangshan county")[0]["place"]["province"] == "Anhui"
    assert _by_text(ents, "Heze city")[0]["place"]["name"] == "Heze"
    yunnan = _by_text(ents, "Yunnan province")[0]["place"]
    assert (yunnan["level"], yunnan["id"]) == ("province", "iso3166:CN-YN")


def test_pinyin_variants_resolve_to_one_place(extract):
    ents = extract("Traders from Xinjiang Uygur and Xinjiang Uyghur regions met. Herders in Xinjiang agreed.")
    ids = {e["place"]["id"] for e in ents if e["label"] == "PLACE"}
    assert ids == {"iso3166:CN-XJ"}


def test_unknown_village_gets_level_and_stated_parent(extract):
    raw = "Qiaotou Village, located in Daiji Township, Caoxian County, opened a warehouse in 2019."
    ents = extract(raw)
    village = _by_text(ents, "Qiaotou Village")[0]["place"]
    assert village["id"] is None and village["level"] == "village" and village["parent"] == "Daiji"
    township = _by_text(ents, "Daiji Township")[0]["place"]
    assert township["parent"] == "Caoxian" and township["province"] == "Shandong"


@pytest.mark.parametrize("raw, name, province", [
    ("Suzhou in East China's Jiangsu province invested in the park.", "Suzhou", "Jiangsu"),
    ("Officials in Suzhou, Anhui province, said sales doubled.", "Suzhou", "Anhui"),
    ("Zha Yingdong, deputy mayor of Tongren in Guizhou, said sales rose.", "Tongren", "Guizhou"),
    ("Herders near Tongren in Qinghai sold yak butter online.", "Tongren", "Qinghai"),
])
def test_ambiguous_names_resolved_from_context(extract, raw, name, province):
    place = _by_text(extract(raw), name)[0]["place"]
    assert place["province"] == province and place["lat"] is not None


def test_domain_aliases_are_one_organization(extract):
    ents = extract("Vip.com said on Monday that vip.com and VIP.com shoppers bought more. Alibaba Group Holding Ltd "
                   "and Alibaba also grew.")
    assert len({e["org"]["id"] for e in ents if e["text"].lower() == "vip.com"}) == 1
    alibaba = {e["org"]["id"] for e in ents if e["text"].startswith("Alibaba")}
    assert len(alibaba) == 1


def test_acronym_defined_in_text_joins_its_name(extract):
    ents = extract("The Qiandong Rural Commercial Bank (QRCB) lent more. QRCB said loans to farmers rose.")
    full = _by_text(ents, "Qiandong Rural Commercial Bank")[0]["org"]
    short = _by_text(ents, "QRCB")
    assert short and all(e["org"] == full for e in short)


def test_distinct_bodies_stay_apart(extract):
    ents = extract("ICBC said ICBC Mall sold more goods. ICBC Mall is run by ICBC.")
    assert {e["org"]["id"] for e in _by_text(ents, "ICBC")} != {e["org"]["id"] for e in _by_text(ents, "ICBC Mall")}


def test_corpus_tables(run_outputs):
    out, _ = run_outputs
    orgs = (out / "organizations.csv").read_text(encoding="utf-8").splitlines()
    places = (out / "places.csv").read_text(encoding="utf-8").splitlines()
    assert orgs[0] == "id,name,mentions,documents,surface_forms"
    assert places[0].startswith("id,name,level,province,country,lat,lon,mentions,documents")
    assert any(line.startswith("vipshop,") and "Vip.com|vip.com" in line for line in orgs)
