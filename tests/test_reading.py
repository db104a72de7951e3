"""Encodings and unreadable inputs."""

import json
import re

import pytest

from pipeline.read.sources import ReadError, SourceFile, decode, discover, load

TEXT = "Beijing’s café sales rose 5 percent to 3 million yuan."


@pytest.mark.parametrize("encoding, name", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-32", "utf-32"),
])
def test_unicode_encodings(encoding, name):
    text, used = decode(TEXT.encode(encoding))
    assert text == TEXT and used == name


def test_gb18030():
    chinese = "北京市电子商务发展迅速，农村网店销售额增长百分之三十。" * 5
    text, used = decode(chinese.encode("gb18030"))
    assert text == chinese and used.lower().replace("_", "") in ("gb18030", "gbk", "gb2312")


def test_windows_1252():
    western = "The café’s “naïve” résumé costs €5 — déjà vu. " * 5
    text, _ = decode(western.encode("cp1252"))
    assert text == western


def test_binary_is_rejected(tmp_path):
    p = tmp_path / "binary.txt"
    p.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(ReadError, match="not text"):
        load(SourceFile("binary", p, "binary.txt"))
    p.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    with pytest.raises(ReadError, match="PDF"):
        load(SourceFile("binary", p, "binary.txt"))


def test_discover_skips_gold_dirs_and_escaping_symlinks(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "gold").mkdir(parents=True)
    (corpus / "sub").mkdir()
    (corpus / "a.txt").write_text("a")
    (corpus / "sub" / "b.html").write_text("<p>b</p>")
    (corpus / "gold" / "a.txt").write_text("not an article")
    (corpus / "dir.txt").mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("outside")
    (corpus / "link.txt").symlink_to(outside)
    docs = [s.doc for s in discover(corpus)]
    assert docs == ["a", "sub/b"]


# --------------------------------------------------------------------------- issue 11, item 7

ARTICLE = ("Farmers in Gansu’s Longnan sold 3 million yuan of olive oil online in 2020, up 12 percent, "
           "officials said.\n\nThe growers’ cooperative plans two more warehouses next year.\n\n"
           "It expects olive oil sales of 5 million yuan in 2021, its manager said.\n")


def test_one_invalid_byte_keeps_utf8_and_says_so():
    data = ("China’s exports rose 5 percent. " * 40).encode("utf-8")
    broken = data[:100] + b"\xff" + data[101:]
    text, used = decode(broken)
    assert used == "utf-8 (1 byte replaced)"
    assert text.count("China’s") == 40 and "â€" not in text
    assert len(text) == len(data.decode("utf-8"))  # one U+FFFD per replaced byte: offsets stay put
    text, used = decode(data[:100] + b"\xfe\xfe\xfe" + data[103:])
    assert used == "utf-8 (3 bytes replaced)" and text.count("\ufffd") == 3


def test_a_cp1252_page_is_not_taken_for_broken_utf8():
    western = "The café’s “naïve” résumé costs €5 — déjà vu. " * 5
    assert decode(western.encode("cp1252")) == (western, "cp1252")


def test_doc_ids_are_unique_by_construction(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    for name in ("a.txt", "a.html", "a.txt.txt", "b.txt", "sub/c.txt", "sub/c.htm"):
        (corpus / name).write_text(f"<p>{name}</p>" if "htm" in name else name)
    ids = {s.relpath: s.doc for s in discover(corpus)}
    assert ids == {"a.txt": "a.txt", "a.html": "a.html", "a.txt.txt": "a.txt.txt", "b.txt": "b",
                   "sub/c.txt": "sub/c.txt", "sub/c.htm": "sub/c.htm"}
    assert len(set(ids.values())) == len(ids)


def test_existing_corpus_keeps_its_doc_ids():
    from conftest import CORPUS

    for source in discover(CORPUS):
        assert source.doc == source.relpath.rsplit(".", 1)[0]


def test_same_name_different_suffix_get_their_own_entities(tmp_path, settings):
    from pipeline.run.corpus import process_corpus
    import json

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Sales in Hangzhou rose 7 percent to 3 million yuan in 2021, officials said.\n")
    (corpus / "a.html").write_text("<html><body><article><p>Exports from Ningbo fell 2 percent to 9 billion yuan "
                                   "in 2022, the customs office said on Monday in a statement.</p></article></body></html>")
    (corpus / "a.txt.txt").write_text("Shenzhen firms invested 5 billion yuan in 2019, the city said on Friday.\n")
    out = tmp_path / "out"
    process_corpus(corpus, out, settings)
    raws = {s.doc: load(s).text for s in discover(corpus)}
    entities = [json.loads(line) for line in (out / "entities.jsonl").read_text().splitlines()]
    assert {e["doc"] for e in entities} == {"a.txt", "a.html", "a.txt.txt"}
    for e in entities:
        assert raws[e["doc"]][e["start"]:e["end"]] == e["text"] or raws[e["doc"]].startswith("<html")
    assert sorted(p.name for p in (out / "clean").glob("*.txt")) == ["a.html.txt", "a.txt.txt", "a.txt.txt.txt"]


def test_symlink_swapped_in_after_discovery_is_not_followed(tmp_path, settings):
    from pipeline.read.sources import read_bytes
    from pipeline.run.corpus import process_document

    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text(ARTICLE)
    (corpus / "sub" / "b.txt").write_text(ARTICLE)
    (corpus / "inside.txt").symlink_to(corpus / "a.txt")
    secret_dir = tmp_path / "secret"
    secret_dir.mkdir()
    (secret_dir / "b.txt").write_text("SECRET")
    (secret_dir / "a.txt").write_text("SECRET")
    sources = {s.doc: s for s in discover(corpus)}
    assert read_bytes(sources["inside"]) == ARTICLE.encode()  # a symlink inside the corpus is fine
    # The file is swapped for a symlink out of the corpus, and the folder for one.
    (corpus / "a.txt").unlink()
    (corpus / "a.txt").symlink_to(secret_dir / "a.txt")
    (corpus / "sub").rename(tmp_path / "moved")
    (corpus / "sub").symlink_to(secret_dir)
    for doc in ("a", "sub/b", "inside"):
        with pytest.raises(ReadError, match="out of the corpus"):
            read_bytes(sources[doc])
        result = process_document(sources[doc], settings, None)
        assert "out of the corpus" in result.info["status"] and result.clean_text is None


TROUBLE = {
    "gb": ("Growers in 甘肃 Longnan sold 3 million yuan of olive oil online in 2020, officials said.\n" * 3
           ).encode("gb18030"),
    "bom": b"\xef\xbb\xbf" + ARTICLE.encode("utf-8"),
    "crlf": ARTICLE.replace("\n", "\r\n").encode("utf-8"),
}


def _review_corpus(tmp_path, name):
    """An article in a troublesome encoding, with gold spans in pipeline-decoded offsets."""
    corpus = tmp_path / "corpus"
    (corpus / "gold").mkdir(parents=True)
    (corpus / f"{name}.txt").write_bytes(TROUBLE[name])
    gold = {}
    for source in discover(corpus):
        text = load(source).text
        # On the last line, after line breaks (CRLF) and after the BOM.
        money = list(re.finditer(r"\d million yuan", text))[-1]
        second = text.rindex("olive oil")  # a span the pipeline will not find: a "missed" error record
        spans = [{"doc": source.doc, "start": money.start(), "end": money.end(), "label": "MONEY",
                  "text": money.group(0), "amount": int(money.group(0)[0]) * 1000000, "currency": "CNY"},
                 {"doc": source.doc, "start": second, "end": second + 9, "label": "ORG", "text": "olive oil"}]
        spans.sort(key=lambda s: s["start"])
        (corpus / "gold" / f"{source.doc}.jsonl").write_text("".join(json.dumps(s) + "\n" for s in spans))
        (corpus / "gold" / f"{source.doc}.lines.json").write_text('{"boilerplate": [], "either": []}')
        gold[source.doc] = spans
    return corpus, gold


@pytest.mark.parametrize("name", sorted(TROUBLE))
def test_gold_check_decodes_like_the_pipeline(tmp_path, name):
    from pipeline.review.gold import check_gold

    corpus, _ = _review_corpus(tmp_path, name)
    assert check_gold(corpus) == []


@pytest.mark.parametrize("name", sorted(TROUBLE))
def test_evaluate_decodes_like_the_pipeline(tmp_path, settings, name):
    from pipeline.review.evaluation import evaluate
    from pipeline.run.corpus import process_corpus

    corpus, gold = _review_corpus(tmp_path, name)
    out = tmp_path / "out"
    process_corpus(corpus, out, settings)
    result = evaluate(corpus, out)
    assert result["metrics"]["MONEY.strict.recall"] == 1.0
    missed = {e["doc"]: e for e in result["errors"] if e["kind"] == "missed"}
    assert set(missed) == {name}
    for doc, error in missed.items():
        assert "**olive oil**" in error["sentence"], (doc, error["sentence"])


@pytest.mark.parametrize("name", sorted(TROUBLE))
def test_gold_import_decodes_like_the_pipeline(tmp_path, name):
    from pipeline.review.labelstudio import export_tasks, import_export

    corpus, gold = _review_corpus(tmp_path, name)
    tasks = export_tasks(corpus)
    for task in tasks:
        assert task["data"]["text"] == load(next(s for s in discover(corpus) if s.doc == task["data"]["doc"])).text
        task["annotations"][0]["id"] = 1
    out = tmp_path / "gold2"
    out.mkdir()
    import_export(tasks, corpus, gold_dir=out)
    for doc, spans in gold.items():
        imported = [json.loads(line) for line in (out / f"{doc}.jsonl").read_text().splitlines()]
        assert [(s["start"], s["end"], s["text"]) for s in imported] == [(s["start"], s["end"], s["text"]) for s in spans]
