"""Encodings and unreadable inputs."""

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
