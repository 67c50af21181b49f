"""Markdown turned into Notion blocks, nested as the Markdown nests them.

markdown-it-py parses (CommonMark, with strikethrough and GitHub's task lists); this module
only maps its tree onto Notion's blocks. What a reader sees in Notion is the text written,
without the Markdown syntax. Each block holds what Notion accepts: pieces of at most 2000
UTF-16 units, at most 100 pieces (the rest continues in a following block of the same kind).
How many levels one request may hold is for `integration.notion.blocks.plan_requests`.
Markdown nested more than `MAX_DEPTH` deep is refused (`TooDeep`) before its tree is built.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.tasklists import tasklists_plugin

from integration.notion.blocks import (
    Append,
    Step,
    content_batches,
    count_blocks,
    json_size,
    plan_requests,
    split_text,
)
from integration.notion.limits import ARRAY_LIMIT, CODE_LANGUAGES, REQUEST_BYTES, URL_LIMIT

# Lists, quotes, marks and links inside each other, counted together: each level costs the tree,
# the blocks and the preview a few frames of Python's stack, which deeper nesting would exhaust.
MAX_DEPTH = 20
# Raw HTML stays text: Notion would show it as typed. markdown-it drops whatever lies deeper than
# `maxNesting` levels of its tokens without a word; a list level takes two (the list, its item), so
# Markdown within MAX_DEPTH never reaches it, and Markdown that does is refused as too deep.
_PARSER = (
    MarkdownIt("commonmark", {"html": False, "maxNesting": 2 * MAX_DEPTH + 2})
    .enable("strikethrough")
    .use(tasklists_plugin)
)
# Every link is parsed as a link; `link_url` decides which Notion may keep, the others show their text.
_PARSER.validateLink = lambda url: True

LANGUAGE_ALIASES = {
    "py": "python", "python3": "python", "js": "javascript", "jsx": "javascript", "mjs": "javascript",
    "node": "javascript", "ts": "typescript", "tsx": "typescript", "sh": "shell", "zsh": "shell",
    "console": "shell", "shell-session": "shell", "yml": "yaml", "md": "markdown", "htm": "html",
    "cpp": "c++", "cxx": "c++", "hpp": "c++", "h": "c", "cs": "c#", "csharp": "c#", "fsharp": "f#",
    "rb": "ruby", "rs": "rust", "golang": "go", "kt": "kotlin", "ps1": "powershell", "pwsh": "powershell",
    "dockerfile": "docker", "tex": "latex", "objc": "objective-c", "text": "plain text", "txt": "plain text",
    "plaintext": "plain text", "proto": "protobuf", "hs": "haskell", "ex": "elixir", "exs": "elixir",
    "erl": "erlang", "pl": "perl", "jl": "julia", "make": "makefile", "vb": "visual basic", "tf": "hcl",
    "wasm": "webassembly", "patch": "diff", "svg": "xml",
}  # fmt: skip
LINK_SCHEMES = {"http", "https", "mailto"}
_MARKS = {"strong": "bold", "em": "italic", "s": "strikethrough"}
# The pieces of one block take at most this much of a request, leaving room for its children.
BLOCK_BYTES = REQUEST_BYTES // 2

Run = tuple[str, frozenset[str], str | None]  # text, its marks, its link

# The tokens that open a level of nesting a reader sees (a list's item, not the list around it).
_LEVELS = {"blockquote_open", "list_item_open", "em_open", "strong_open", "s_open", "link_open"}


class TooDeep(ValueError):
    """Markdown nested more than MAX_DEPTH deep."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        super().__init__(f"nested more than {limit} deep")
        self.limit = limit


def nesting_depth(tokens: list[Token]) -> int:
    """How deep `tokens` nest lists, quotes, marks, links and images' descriptions, counted together.

    Walked without recursion: the depth may be anything.
    """
    deepest = 0
    pending = [(tokens, 0)]
    while pending:
        run, depth = pending.pop()
        for token in run:
            if token.nesting == 1 and token.type in _LEVELS:
                depth += 1
            elif token.nesting == -1 and token.type.replace("_close", "_open") in _LEVELS:
                depth -= 1
            deepest = max(deepest, depth)
            if token.children:
                pending.append((token.children, depth + (token.type == "image")))
    return deepest


def code_language(info: str) -> str:
    """Notion's name for the language a fence names, or "plain text"."""
    word = info.strip().split(maxsplit=1)[0].lower() if info.strip() else ""
    word = LANGUAGE_ALIASES.get(word, word)
    return word if word in CODE_LANGUAGES else "plain text"


def link_url(href: str | None) -> str | None:
    """`href` if Notion may link it (http, https or mailto, at most 2000 characters), else None."""
    if not href or len(href) > URL_LIMIT:
        return None
    try:
        scheme = urlsplit(href).scheme.lower()
    except ValueError:
        return None
    return href if scheme in LINK_SCHEMES else None


def _runs(node: SyntaxTreeNode, marks: frozenset[str], link: str | None) -> Iterator[Run]:
    for child in node.children:
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            yield "\n", marks, link
        elif kind == "code_inline":
            yield child.content, marks | {"code"}, link
        elif kind in _MARKS:
            yield from _runs(child, marks | {_MARKS[kind]}, link)
        elif kind == "link":
            yield from _runs(child, marks, link_url(str(child.attrs.get("href", ""))))
        elif child.children:  # an image: its description
            yield from _runs(child, marks, link)
        else:
            yield child.content, marks, link


def _piece(text: str, marks: frozenset[str], link: str | None) -> dict:
    piece: dict = {"type": "text", "text": {"content": text}}
    if link:
        piece["text"]["link"] = {"url": link}
    if marks:
        piece["annotations"] = {mark: True for mark in sorted(marks)}
    return piece


def _rich_text(runs: Iterator[Run]) -> list[dict]:
    """Pieces for `runs`: neighbours alike are joined, then cut to size, each cut keeping its marks."""
    merged: list[list] = []
    for text, marks, link in runs:
        if not text:
            continue
        if merged and merged[-1][1:] == [marks, link]:
            merged[-1][0] += text
        else:
            merged.append([text, marks, link])
    return [_piece(part, marks, link) for text, marks, link in merged for part in split_text(text)]


def _inline(node: SyntaxTreeNode | None, *, todo: bool = False) -> list[dict]:
    if node is None:
        return []
    runs = list(_runs(node, frozenset(), None))
    if todo and node.children and node.children[0].type == "html_inline":  # the task list's box
        runs = runs[1:]
        if runs and runs[0][0].startswith(" "):
            runs[0] = (runs[0][0][1:], *runs[0][1:])
    return _rich_text(iter(runs))


def _blocks_of(kind: str, pieces: list[dict], children: list[dict], **payload: object) -> list[dict]:
    """One block of `kind`, or several in a row when its pieces are too many for one."""
    groups: list[list[dict]] = [[]]
    used = 0
    for piece in pieces:
        size = json_size(piece) + 1
        if groups[-1] and (len(groups[-1]) == ARRAY_LIMIT or used + size > BLOCK_BYTES):
            groups.append([])
            used = 0
        groups[-1].append(piece)
        used += size
    blocks = []
    for group in groups:
        data: dict = {"rich_text": group, **payload}
        blocks.append({"object": "block", "type": kind, kind: data})
    if children:
        blocks[-1][kind]["children"] = children
    return blocks


def _split_first_paragraph(node: SyntaxTreeNode) -> tuple[SyntaxTreeNode | None, list[SyntaxTreeNode]]:
    """The inline text of a container's first paragraph, and the nodes after it."""
    inner = list(node.children)
    if inner and inner[0].type == "paragraph":
        return inner[0].children[0], inner[1:]
    return None, inner


def _convert(nodes: list[SyntaxTreeNode]) -> list[dict]:
    blocks: list[dict] = []
    for node in nodes:
        kind = node.type
        if kind == "heading":
            level = min(int(node.tag[1:]), 3)
            blocks += _blocks_of(f"heading_{level}", _inline(node.children[0]), [])
        elif kind == "paragraph":
            blocks += _blocks_of("paragraph", _inline(node.children[0]), [])
        elif kind == "blockquote":
            text, rest = _split_first_paragraph(node)
            blocks += _blocks_of("quote", _inline(text), _convert(rest))
        elif kind in ("bullet_list", "ordered_list"):
            for item in node.children:
                text, rest = _split_first_paragraph(item)
                if "task-list-item" in str(item.attrs.get("class", "")):
                    box = text.children[0].content if text is not None and text.children else ""
                    checked = 'checked="checked"' in box
                    blocks += _blocks_of("to_do", _inline(text, todo=True), _convert(rest), checked=checked)
                else:
                    item_kind = "bulleted_list_item" if kind == "bullet_list" else "numbered_list_item"
                    blocks += _blocks_of(item_kind, _inline(text), _convert(rest))
        elif kind in ("fence", "code_block"):
            code = node.content[:-1] if node.content.endswith("\n") else node.content
            pieces = [_piece(part, frozenset(), None) for part in split_text(code)]
            language = code_language(node.info) if kind == "fence" else "plain text"
            blocks += _blocks_of("code", pieces, [], language=language)
        elif kind == "hr":
            blocks.append({"object": "block", "type": "divider", "divider": {}})
        else:  # raw HTML is off: nothing else comes, but nothing typed is ever dropped
            blocks += _blocks_of("paragraph", _rich_text(iter([(node.content, frozenset(), None)])), [])
    return blocks


def markdown_blocks(text: str) -> list[dict]:
    """The blocks of Markdown `text`, children under their parents (`<type>.children`).

    Raises TooDeep if it nests more than MAX_DEPTH deep.
    """
    tokens = _PARSER.parse(text)
    if nesting_depth(tokens) > MAX_DEPTH:
        raise TooDeep()
    return _convert(SyntaxTreeNode(tokens).children)


MARKDOWN = "markdown"
PLAIN = "plain"


@dataclass(frozen=True)
class ContentPlan:
    """The blocks some content makes (children under their parents) and the requests that add them."""

    blocks: list[dict]
    steps: list[Step]

    @property
    def block_count(self) -> int:
        return count_blocks(self.blocks)


def plan_content(content: str, *, text_format: str = PLAIN) -> ContentPlan:
    if text_format == MARKDOWN:
        blocks = markdown_blocks(content)
        return ContentPlan(blocks, plan_requests(blocks))
    batches = content_batches(content)
    refs = itertools.count(1)
    steps: list[Step] = [Append(0, batch, [next(refs) for _ in batch]) for batch in batches]
    return ContentPlan([block for batch in batches for block in batch], steps)
