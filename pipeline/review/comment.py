"""The pull-request comment: `pipeline diff`'s Markdown, cut to fit GitHub's comment limit.

GitHub refuses a comment over 65,536 characters. A large diff is cut at a line
boundary (the title and headline always stay), open code fences and
<details> blocks are closed so the rest of the page renders, and a footer
links the full diff (the workflow's artifact). The body starts with a marker
so the commenting workflow finds its own comment and edits it in place.

Standard library only, and runnable as a script (`python3 pipeline/review/comment.py`):
the commenting workflow runs it from the base branch without installing
anything and without running the pull request's code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

MARKER = "<!-- pipeline-extraction-diff -->"
GITHUB_LIMIT = 65536
# Room kept under the limit: GitHub's count is not documented to the character.
MARGIN = 1536
HEAD_LINES = 3  # "### Extraction diff: ...", a blank line, the headline


def size(text: str) -> int:
    """Characters as GitHub may count them (UTF-16 code units: never fewer than code points)."""
    return len(text.encode("utf-16-le")) // 2


def _footer(link: str | None, total: int, truncated: bool) -> str:
    where = f"the `extraction-review` artifact of [the extraction run]({link})" if link else \
        "the `extraction-review` artifact of the extraction run"
    if truncated:
        return f"\n\n---\n**Truncated** to fit GitHub's comment limit. Full diff ({total:,} characters): {where}."
    return f"\n\n---\nFull diff and review pages: {where}."


class _Blocks:
    """The code fence and <details> blocks open after the lines seen so far."""

    def __init__(self) -> None:
        self.fence = ""
        self.details = 0

    def after(self, line: str) -> tuple[str, int]:
        fence, details = self.fence, self.details
        stripped = line.lstrip()
        if fence:
            if stripped.startswith(fence) and not stripped.strip("`"):
                fence = ""
        elif stripped.startswith("```"):
            fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
        else:
            details = max(0, details + stripped.count("<details>") - stripped.count("</details>"))
        return fence, details

    @staticmethod
    def closers(fence: str, details: int) -> list[str]:
        return ([fence] if fence else []) + ["", "</details>"] * details


def comment_body(markdown: str, link: str | None = None, limit: int = GITHUB_LIMIT - MARGIN) -> str:
    """The comment: marker, the diff (whole, or cut to fit `limit`), a footer with the link to the full diff."""
    whole = f"{MARKER}\n{markdown.rstrip()}{_footer(link, size(markdown), False)}\n"
    if size(whole) <= limit:
        return whole
    lines = markdown.rstrip().split("\n")
    footer = _footer(link, size(markdown), True) + "\n"
    budget = limit - size(MARKER) - 1 - size(footer)
    kept: list[str] = []
    blocks = _Blocks()
    used = 0
    for n, line in enumerate(lines):
        cost = size(line) + 1
        state = blocks.after(line)
        closing = sum(size(c) + 1 for c in blocks.closers(*state))
        if used + cost + closing > budget:
            if n < HEAD_LINES:  # a headline longer than a comment: cut the line itself
                kept.append(line[: max(0, (budget - used - 1) // 2)])
            break
        kept.append(line)
        used += cost
        blocks.fence, blocks.details = state
    kept += blocks.closers(blocks.fence, blocks.details)
    return f"{MARKER}\n" + "\n".join(kept) + footer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("diff", type=Path, help="the Markdown of `pipeline diff` (missing: the run failed before it)")
    parser.add_argument("--link", help="URL of the run whose artifact holds the full diff")
    parser.add_argument("--out", type=Path, required=True, help="where to write the comment body")
    args = parser.parse_args(argv)
    if args.diff.is_file():
        markdown = args.diff.read_text(encoding="utf-8")
    else:
        markdown = ("### Extraction diff\n\n**The extraction run failed before the diff was written**; "
                    "its log says why.")
    args.out.write_text(comment_body(markdown, args.link), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
