"""Finding raw articles in a corpus folder and decoding them safely.

Every problem is reported per file (a `ReadError` with a one-line reason) so a
run can go on with the other files.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from charset_normalizer import from_bytes

ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
# Folders under the corpus that hold annotations, not articles.
SKIPPED_DIRS = frozenset({"gold"})
# Byte-order marks, longest first so UTF-32 LE is not read as UTF-16 LE.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Invalid bytes in an otherwise UTF-8 file (surrogateescape's lone surrogates),
# and the largest share of a file's bytes that may be replaced.
ESCAPED_RE = re.compile("[\udc80-\udcff]")
MAX_REPLACED_SHARE = 0.01
# Share of control characters above which decoded "text" is really binary.
MAX_CONTROL_RATIO = 0.01
SINGLE_BYTE_LATIN = ("cp125", "iso8859", "latin", "mac_")
# Code pages tried first, before charset-normalizer's guesses, which are
# unreliable on English pages with only a few non-ASCII characters (an English
# page in GB18030 or Big5 is often "detected" as ISO 8859-14 or cp949).
# Windows-1252 is by far the likeliest single-byte page for English news.
NEWS_CODE_PAGES = ("cp1252", "gb18030", "big5")
# What a wrong code page yields in English and Chinese news: characters other
# than ASCII, accented Latin letters, general punctuation (curly quotes,
# dashes), currency signs, CJK ideographs and punctuation, full-width forms;
# two Latin-1 characters in a row ("Ã©", "¡¯": a multi-byte character read one
# byte at a time); a CJK ideograph glued to a Latin letter (a Latin page read
# as GB18030 or Big5).
CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
IMPLAUSIBLE_RE = re.compile(
    rf"[^\x00-\x7f\u00a0\u00c0-\u017f\u2010-\u203a\u20ac\u3000-\u303f{CJK}\uff01-\uff5e£¥¢°·×©®™½¼¾±²³µ§]"
    rf"|[\u00a0-\u017f]{{2}}|[A-Za-z\u00c0-\u017f][{CJK}]|[{CJK}][A-Za-z\u00c0-\u017f]"
)


class ReadError(Exception):
    """A file that cannot be turned into text; the message is the reason."""


@dataclass(frozen=True)
class SourceFile:
    doc: str  # unique id: the relative path without extension, with it where that would collide
    path: Path | str  # a local path, or an fsspec URL
    relpath: str
    root: Path | None = None  # the resolved corpus folder: reads never leave it


@dataclass(frozen=True)
class RawDocument:
    doc: str
    text: str
    encoding: str
    sha256: str
    kind: str  # "text" or "html"


def is_url(corpus) -> bool:
    return "://" in str(corpus)


def discover(corpus) -> list[SourceFile]:
    """All article files under `corpus`, sorted, with unique doc ids.

    `corpus` is a folder or an fsspec URL ("s3://bucket/news"). Symlinks are
    followed only when they resolve inside the corpus; folders that happen to
    be named like articles are skipped.
    """
    if is_url(corpus):
        return _discover_url(str(corpus))
    corpus = Path(corpus).resolve()
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in _walk(corpus):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and not (here == corpus and d in SKIPPED_DIRS)
        )
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or path.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            if path.is_symlink() and not _inside(_resolved(path), corpus):
                continue
            found.append((path.relative_to(corpus).as_posix(), path))
    return _with_doc_ids(found, corpus)


def _walk(top: Path):
    """os.walk without recursion (1,200 nested folders exceed Python's recursion limit), links not followed."""
    stack = [str(top)]
    while stack:
        here = stack.pop()
        dirnames, filenames = [], []
        try:
            with os.scandir(here) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        is_dir = False
                    (dirnames if is_dir else filenames).append(entry.name)
        except OSError:
            continue
        yield here, dirnames, filenames
        stack.extend(os.path.join(here, d) for d in reversed(dirnames))


def _resolved(path: Path) -> Path:
    """Where a symlink leads; itself for a loop, which then fails to read as that file's status."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return path


def _discover_url(url: str) -> list[SourceFile]:
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    if "file" in ((fs.protocol,) if isinstance(fs.protocol, str) else fs.protocol):
        return discover(Path(root))  # local: the same walk, so symlinks leaving the corpus stay out
    protocol = url.split("://", 1)[0]
    root = root.rstrip("/")
    found = []
    for path in sorted(fs.find(root)):
        rel = path[len(root):].lstrip("/")
        parts = rel.split("/")
        if (not rel or any(p.startswith(".") for p in parts) or parts[0] in SKIPPED_DIRS and len(parts) > 1
                or PurePosixPath(rel).suffix.lower() not in ARTICLE_SUFFIXES):
            continue
        found.append((rel, f"{protocol}://{path}" if not path.startswith(f"{protocol}://") else path))
    return _with_doc_ids(found)


def _with_doc_ids(found: list[tuple[str, object]], root: Path | None = None) -> list[SourceFile]:
    """Doc ids, unique by construction.

    A file's id is its relative path without the extension ("news/a" for
    news/a.txt), as it always was, unless that stem is shared with another
    file (a.txt and a.html) or equals another file's relative path (a.txt.txt
    has the stem "a.txt", a.txt's path): then it is the relative path itself
    ("a.txt", "a.html", "a.txt.txt"). Relative paths are unique, a kept stem
    is neither shared nor anyone's path, so no two files get one id.
    """
    stems: dict[str, int] = {}
    rels = {rel for rel, _ in found}
    for rel, _ in found:
        stem = str(PurePosixPath(rel).with_suffix(""))
        stems[stem] = stems.get(stem, 0) + 1
    files = []
    for rel, path in found:
        stem = str(PurePosixPath(rel).with_suffix(""))
        unique = stems[stem] == 1 and stem not in rels
        files.append(SourceFile(doc=stem if unique else rel, path=path, relpath=rel, root=root))
    return sorted(files, key=lambda f: f.doc)


def corpus_source(corpus, relpath: str, doc: str | None = None) -> SourceFile:
    """A SourceFile for `relpath` under a local corpus, confined to it like discovered files."""
    root = Path(corpus).resolve()
    return SourceFile(doc if doc is not None else str(PurePosixPath(relpath).with_suffix("")),
                      root / relpath, relpath, root)


def raw_text(corpus, relpath: str) -> str:
    """An article's text exactly as the pipeline decodes it (ReadError if it cannot be read).

    The one decoding for everything that compares offsets with the raw file
    (the pipeline, `gold check`, `evaluate`, `gold import`): the same BOM
    handling, the same line ends, the same code page.
    """
    return load(corpus_source(corpus, relpath)).text


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def read_bytes(source: SourceFile) -> bytes:
    """The raw bytes, or a ReadError naming what went wrong."""
    if isinstance(source.path, str):  # an fsspec URL
        try:
            import fsspec

            with fsspec.open(source.path, "rb") as fh:
                return fh.read()
        except OSError as exc:
            raise ReadError(f"cannot read ({exc})") from None
    try:
        fd = _open_confined(Path(source.path), source.root)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise ReadError("not a regular file")
            return fh.read()
    except PermissionError:
        raise ReadError("permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReadError("a symlink that leads out of the corpus (or a symlink loop)") from None
        raise ReadError(f"cannot read ({exc.strerror or exc})") from None


# Not blocking: a FIFO named like an article must not hang the run (fstat then rejects it).
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _open_confined(path: Path, root: Path | None) -> int:
    """Open a file for reading, never outside `root` (when given).

    Checked at open time, not only when the corpus was listed: the path is
    resolved and must lie inside the corpus, the resolved path is opened with
    O_NOFOLLOW (a symlink swapped in after the check is refused), and where
    the OS says which file a descriptor is (/proc/self/fd) that file must be
    inside the corpus too (a folder swapped for a symlink).
    """
    if root is None:
        return os.open(path, OPEN_FLAGS)
    real = Path(os.path.realpath(path))
    if not _inside(real, root):
        raise ReadError("a symlink that leads out of the corpus")
    fd = os.open(real, OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    try:
        opened = Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return fd  # no /proc: the resolve-and-check above is what there is
    if not _inside(opened, root):
        os.close(fd)
        raise ReadError("a symlink that leads out of the corpus")
    return fd


def decode(data: bytes) -> tuple[str, str]:
    """Decode raw bytes to text; returns (text, encoding name).

    A byte-order mark first, then UTF-8 (by far the common case), then UTF-8
    with a few invalid bytes replaced by U+FFFD (named e.g. "utf-8 (3 bytes
    replaced)"), then the news code pages and charset-normalizer's detection.
    A leading BOM is not part of the text; line ends are kept as they are
    (CRLF stays CRLF), so offsets count every character of the file.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(encoding)), encoding
            except UnicodeDecodeError:
                if encoding == "utf-8-sig":
                    mostly = _mostly_utf8(data[len(bom):], encoding)
                    if mostly is not None:
                        return mostly
                raise ReadError(f"invalid {encoding} despite its byte-order mark") from None
    try:
        return _check_text(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(data, "utf-8")
    if mostly is not None:
        return mostly
    if b"\x00" in data[:4096]:
        raise ReadError("not text (binary content)")
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise ReadError("not text (no encoding fits)")
    # The news code pages, then charset-normalizer's guesses in its order: the
    # first decoding with the fewest implausible characters wins.
    chosen = None
    for name in dict.fromkeys(list(NEWS_CODE_PAGES) + [m.encoding for m in matches]):
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        score = len(IMPLAUSIBLE_RE.findall(text))
        if chosen is None or score < chosen[0]:
            chosen = (score, text, name)
        if score == 0:
            break
    if chosen is None:
        return _check_text(str(best)), best.encoding
    return _check_text(chosen[1]), chosen[2]


def _mostly_utf8(data: bytes, name: str) -> tuple[str, str] | None:
    """UTF-8 but for a few bytes: each invalid byte becomes U+FFFD, and the name says how many.

    "A few": no more invalid bytes than valid multi-byte characters (the file
    shows it is UTF-8 more often than it breaks it) and at most
    MAX_REPLACED_SHARE of all bytes. A cp1252 page has almost no valid UTF-8
    sequences, so it still goes to the code pages.
    """
    text = data.decode("utf-8", "surrogateescape")
    replaced = len(ESCAPED_RE.findall(text))
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - replaced
    if not replaced or replaced > multibyte or replaced > MAX_REPLACED_SHARE * len(data):
        return None
    text = ESCAPED_RE.sub("\ufffd", text)
    return _check_text(text), f"{name} ({replaced} byte{'s' if replaced > 1 else ''} replaced)"


def _check_text(text: str) -> str:
    if not text:
        return text
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls / len(sample) > MAX_CONTROL_RATIO:
        raise ReadError("not text (binary content)")
    return text


def load(source: SourceFile, data: bytes | None = None) -> RawDocument:
    """Decode one article (ReadError on failure); `data` if the bytes were read already."""
    data = read_bytes(source) if data is None else data
    if data.startswith(b"%PDF-"):
        raise ReadError("not text (a PDF file)")
    text, encoding = decode(data)
    kind = "html" if PurePosixPath(source.relpath).suffix.lower() in (".html", ".htm") or _looks_like_html(text) else "text"
    return RawDocument(
        doc=source.doc,
        text=text,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
    )


def _looks_like_html(text: str) -> bool:
    head = text[:1024].lstrip().lower()
    return head.startswith("<!doctype html") or head.startswith("<html")
