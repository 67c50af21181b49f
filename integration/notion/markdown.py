"""Content turned into Notion blocks and planned into requests: Markdown, nested as it nests, or
plain text as paragraphs (`plan_content`, giving a `ContentPlan`).

markdown-it-py parses (CommonMark, with GitHub's tables, strikethrough, task lists, alerts and
bare links, and mdit-py-plugins' dollar math); this module maps its tree onto Notion's blocks.
What a reader sees in Notion is the text written, without the Markdown syntax. Each block holds
what Notion accepts (the rules are `integration.notion.limits`'): pieces of at most 2000 UTF-16
units, at most 100 pieces (the rest continues in a following block of the same kind). How many
levels one request may hold is for `integration.notion.blocks.plan_requests`. Markdown nested
more than `MAX_DEPTH` deep is refused (`TooDeep`) before its tree is built.

What Notion cannot show as it is (raw HTML, an image that is not a web address nor attached, a
table wider than Notion's tables) keeps its text and is named in the plan's `as_text`.
"""

import itertools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.dollarmath import dollarmath_plugin
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
from integration.notion.limits import (
    ARRAY_LIMIT,
    CODE_LANGUAGES,
    EQUATION_LIMIT,
    FILE_URL_SCHEMES,
    LINK_SCHEMES,
    MEDIA_BLOCKS,
    REQUEST_BYTES,
    URL_LIMIT,
    utf16_len,
)

# The app's choice, not Notion's: lists, quotes, toggles, marks and links inside each other, counted
# together. Each level costs the tree, the blocks and the preview a few frames of Python's stack,
# which deeper nesting would exhaust.
MAX_DEPTH = 20


def _parser(*, html: bool) -> MarkdownIt:
    # markdown-it drops whatever lies deeper than `maxNesting` levels of its tokens without a word; a
    # list level takes two (the list, its item) and a table four, so Markdown within MAX_DEPTH never
    # reaches it, and Markdown that does is refused as too deep.
    options = {"html": html, "linkify": True, "alerts": True, "maxNesting": 2 * MAX_DEPTH + 6}
    parser = (
        MarkdownIt("commonmark", options)
        .enable(["strikethrough", "table", "linkify"])
        .use(tasklists_plugin)
        # "$5 and $10" stays text: a $ opens math only when not followed by a space, closes it only
        # when not preceded by one nor followed by a digit.
        .use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False)
    )
    # Every link is parsed as a link; `link_url` decides which Notion may keep, the others show their text.
    parser.validateLink = lambda url: True  # type: ignore[method-assign]  # markdown-it's documented hook
    return parser


# Raw HTML must reach the tree for <details> to become a toggle; any other HTML block is parsed
# again without HTML, so that it shows exactly as it would had HTML never been parsed.
_PARSER = _parser(html=True)
_HTML_AS_TEXT = _parser(html=False)

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
# GitHub's alerts as Notion callouts: an emoji icon and a background (Notion's "Emoji and icon",
# and the block colours of "Block colors are now supported in the API").
ALERTS = {
    "NOTE": ("ℹ️", "blue_background"),
    "TIP": ("💡", "green_background"),
    "IMPORTANT": ("❗", "purple_background"),
    "WARNING": ("⚠️", "yellow_background"),
    "CAUTION": ("🛑", "red_background"),
}
_MARKS = {"strong": "bold", "em": "italic", "s": "strikethrough"}
# The app's choice: the pieces of one block take at most this much of a request, leaving room for
# its children.
BLOCK_BYTES = REQUEST_BYTES // 2


@dataclass(frozen=True)
class Run:
    text: str
    marks: frozenset[str]
    link: str | None
    equation: bool = False


# The tokens that open a level of nesting a reader sees (a list's item, not the list around it).
_LEVELS = {
    "blockquote_open", "alert_open", "list_item_open", "table_open",
    "em_open", "strong_open", "s_open", "link_open",
}  # fmt: skip


class TooDeep(ValueError):
    """Markdown nested more than MAX_DEPTH deep."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        super().__init__(f"nested more than {limit} deep")
        self.limit = limit


@dataclass(frozen=True)
class Converted:
    """The blocks of some Markdown, and what in it Notion shows as typed text (one note each)."""

    blocks: list[dict]
    as_text: list[str]
    file_names: dict[str, str] = field(default_factory=dict)  # the ID of each file attached: its name


def nesting_depth(tokens: list[Token]) -> int:
    """How deep `tokens` nest lists, quotes, tables, marks, links and images' descriptions, counted
    together.

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


def _scheme(href: str) -> str | None:
    try:
        return urlsplit(href).scheme.lower()
    except ValueError:
        return None


def link_url(href: str | None) -> str | None:
    """`href` if Notion may link it (http, https or mailto, at most 2000 characters), else None."""
    if not href or utf16_len(href) > URL_LIMIT:
        return None
    return href if _scheme(href) in LINK_SCHEMES else None


def _shown(text: str, limit: int = 60) -> str:
    """`text` as a note quotes it: its first line, cut short."""
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _piece(run: Run) -> dict:
    piece: dict
    if run.equation:
        # An inline equation: Notion's "Rich text", type "equation".
        piece = {"type": "equation", "equation": {"expression": run.text}}
    else:
        piece = {"type": "text", "text": {"content": run.text}}
        if run.link:
            piece["text"]["link"] = {"url": run.link}
    if run.marks:
        piece["annotations"] = {mark: True for mark in sorted(run.marks)}
    return piece


def _rich_text(runs: list[Run]) -> list[dict]:
    """Pieces for `runs`: neighbours alike are joined, then cut to size, each cut keeping its marks."""
    merged: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        last = merged[-1] if merged else None
        if (
            last
            and not run.equation
            and not last.equation
            and (last.marks, last.link) == (run.marks, run.link)
        ):
            merged[-1] = Run(last.text + run.text, run.marks, run.link)
        else:
            merged.append(run)
    pieces = []
    for run in merged:
        parts = [run.text] if run.equation else split_text(run.text)
        pieces += [_piece(Run(part, run.marks, run.link, run.equation)) for part in parts]
    return pieces


def _groups_of(pieces: list[dict]) -> list[list[dict]]:
    """`pieces` in groups one block may hold: at most 100 pieces and BLOCK_BYTES."""
    groups: list[list[dict]] = [[]]
    used = 0
    for piece in pieces:
        size = json_size(piece) + 1
        if groups[-1] and (len(groups[-1]) == ARRAY_LIMIT or used + size > BLOCK_BYTES):
            groups.append([])
            used = 0
        groups[-1].append(piece)
        used += size
    return groups


def _blocks_of(kind: str, pieces: list[dict], children: list[dict], **payload: object) -> list[dict]:
    """One block of `kind`, or several in a row when its pieces are too many for one."""
    blocks: list[dict[str, Any]] = []
    for group in _groups_of(pieces):
        data: dict[str, Any] = {"rich_text": group, **payload}
        blocks.append({"object": "block", "type": kind, kind: data})
    if children:
        blocks[-1][kind]["children"] = children
    return blocks


def _split_first_paragraph(nodes: list[SyntaxTreeNode]) -> tuple[SyntaxTreeNode | None, list[SyntaxTreeNode]]:
    """The inline text of a container's first paragraph, and the nodes after it."""
    if nodes and nodes[0].type == "paragraph":
        return nodes[0].children[0], nodes[1:]
    return None, nodes


class _Tags(HTMLParser):
    """The tags and text of a piece of raw HTML, in order, to tell <details> from other HTML."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, str]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.events.append(("start", tag))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.events.append(("other", tag))

    def handle_data(self, data: str) -> None:
        self.events.append(("data", data))

    def handle_comment(self, data: str) -> None:
        self.events.append(("other", data))

    def handle_decl(self, decl: str) -> None:
        self.events.append(("other", decl))

    def handle_pi(self, data: str) -> None:
        self.events.append(("other", data))

    def unknown_decl(self, data: str) -> None:
        self.events.append(("other", data))


@dataclass(frozen=True)
class _DetailsPart:
    """An HTML block that is a part of <details>: its opening (with its summary, if on it), a
    summary alone, or one or more closings."""

    kind: str  # "open", "summary" or "close"
    summary: str | None = None
    closes: int = 0


def _details_part(html: str) -> _DetailsPart | None:
    events = [event for event in _Tags(html).events if not (event[0] == "data" and not event[1].strip())]
    summary = None
    if ("start", "summary") in events and events[-1] == ("end", "summary"):
        at = events.index(("start", "summary"))
        inside = events[at + 1 : -1]
        if any(kind != "data" for kind, _ in inside):
            return None
        summary = " ".join(text.strip() for _, text in inside)
        events = events[:at]
    if events == [("start", "details")]:
        return _DetailsPart("open", summary)
    if not events and summary is not None:
        return _DetailsPart("summary", summary)
    if events and summary is None and all(event == ("end", "details") for event in events):
        return _DetailsPart("close", closes=len(events))
    return None


class _Converter:
    def __init__(self, *, attached: Mapping[str, tuple[str, str]], env: dict) -> None:
        self.attached = attached
        self.env = env
        self.notes: list[str] = []
        self.file_names: dict[str, str] = {}
        self.depth = 0  # the blocks enclosing the ones being made
        self.line = 1
        self.offset = 0  # lines before the HTML block being parsed again
        # Toggles opened among the nodes being made that close where they end: a block of several
        # </details> closes a toggle and the ones left open inside it.
        self.closing_at_end = 0
        self._parts: dict[int, _DetailsPart | None] = {}

    def note(self, what: str, line: int | None = None) -> None:
        made = f"line {self.line if line is None else line}: {what}"
        if made not in self.notes:
            self.notes.append(made)

    def at(self, node: SyntaxTreeNode) -> int:
        """The line `node` starts on, counted in the whole text."""
        if node.map:
            self.line = self.offset + node.map[0] + 1
        return self.line

    @contextmanager
    def deeper(self, *, closing_at_end: int = 0) -> Iterator[None]:
        """Making the children of a block."""
        saved = self.closing_at_end
        self.depth += 1
        self.closing_at_end = closing_at_end
        try:
            yield
        finally:
            self.depth -= 1
            self.closing_at_end = saved

    def check_depth(self, nodes: list[SyntaxTreeNode], levels: int = 0) -> None:
        tokens = [token for node in nodes for token in node.to_tokens()]
        if self.depth + levels + nesting_depth(tokens) > MAX_DEPTH:
            raise TooDeep()

    # Inline text.

    def runs(
        self, nodes: list[SyntaxTreeNode], marks: frozenset[str], link: str | None, *, split: bool
    ) -> Iterator[Run | list[dict]]:
        """The runs of text of inline `nodes`, and the blocks of the images that `split` them."""
        for child in nodes:
            kind = child.type
            if kind in ("softbreak", "hardbreak"):
                self.line += 1
                yield Run("\n", marks, link)
            elif kind == "code_inline":
                yield Run(child.content, marks | {"code"}, link)
            elif kind in _MARKS:
                yield from self.runs(child.children, marks | {_MARKS[kind]}, link, split=split)
            elif kind == "link":
                yield from self.runs(
                    child.children, marks, link_url(str(child.attrs.get("href", ""))), split=False
                )
            elif kind == "math_inline":
                yield self.inline_equation(child.content, marks)
            elif kind == "image":
                blocks = self.image(child, split=split)
                if blocks:
                    yield blocks
                else:  # its description
                    yield from self.runs(child.children, marks, link, split=False)
            else:
                if kind == "html_inline":
                    self.note(f"HTML `{_shown(child.content)}`")
                yield Run(child.content, marks, link)

    def inline_equation(self, expression: str, marks: frozenset[str]) -> Run:
        if utf16_len(expression) > EQUATION_LIMIT:
            self.note(f"equation longer than {EQUATION_LIMIT} characters, shown as code")
            return Run(expression, marks | {"code"}, None)
        return Run(expression, marks, None, equation=True)

    def inline(
        self, node: SyntaxTreeNode | None, *, todo: bool = False, split: bool = True
    ) -> list[Run | list[dict]]:
        if node is None:
            return []
        children = list(node.children)
        if todo and children and children[0].type == "html_inline":  # the task list's box
            children = children[1:]
            if children and children[0].type == "text" and children[0].content.startswith(" "):
                first = children[0]
                items = [
                    Run(first.content[1:], frozenset(), None),
                    *self.runs(children[1:], frozenset(), None, split=split),
                ]
                return items
        return list(self.runs(children, frozenset(), None, split=split))

    def text_runs(self, node: SyntaxTreeNode | None) -> list[Run]:
        """The runs of inline `node`, images kept as their descriptions."""
        return [item for item in self.inline(node, split=False) if isinstance(item, Run)]

    def image(self, node: SyntaxTreeNode, *, split: bool) -> list[dict]:
        """The image block (and any caption that overflows it) for an image, or [] where it stays text.

        Shapes: Notion's "Image" block with an external "File object"; an uploaded file attached to
        a block as "Working with files and media" shows: `{"type": "file_upload", "file_upload": {"id"}}`.
        """
        src = str(node.attrs.get("src", ""))
        name = next((key for key in (src, unquote(src)) if key in self.attached), None)
        if name is not None:
            kind, upload_id = self.attached[name]
            if kind not in MEDIA_BLOCKS:
                raise ValueError(f"{name}: {kind} is not a block a file can be attached to")
            content: dict = {"type": "file_upload", "file_upload": {"id": upload_id}}
        elif utf16_len(src) <= URL_LIMIT and _scheme(src) in FILE_URL_SCHEMES:
            kind, content = "image", {"type": "external", "external": {"url": src}}
        else:
            why = "not a web address" if _scheme(src) else "not attached"
            self.note(f"image `{_shown(src)}` ({why}), shown as its description")
            return []
        if not split:
            self.note(f"image `{_shown(src)}` inside a link or a table cell, shown as its description")
            return []
        if name is not None:
            self.file_names[upload_id] = name
        line = self.line
        runs = [
            item for item in self.runs(node.children, frozenset(), None, split=False) if isinstance(item, Run)
        ]
        self.line = line
        first, *rest = _groups_of(_rich_text(runs))
        block = {"object": "block", "type": kind, kind: {**content, "caption": first}}
        return [block, *(_blocks_of("paragraph", group, [])[0] for group in rest)]

    def text_blocks(
        self,
        kind: str,
        node: SyntaxTreeNode | None,
        children: list[dict],
        *,
        leaf: bool,
        todo: bool = False,
        **payload: object,
    ) -> list[dict]:
        """The blocks of a block of text: images split it, the text after them in blocks of its own,
        beside it (`leaf`) or under it."""
        items = self.inline(node, todo=todo)
        head: list[Run] = []
        while items and isinstance(first := items[0], Run):
            head.append(first)
            items.pop(0)
        after: list[dict] = []
        runs: list[Run] = []
        for item in [*items, []]:
            if isinstance(item, Run):
                runs.append(item)
                continue
            if any(run.text.strip() for run in runs):
                after += _blocks_of(kind if leaf else "paragraph", _rich_text(runs), [])
            runs = []
            after += item
        pieces = _rich_text(head)
        if not leaf:
            return _blocks_of(kind, pieces, after + children, **payload)
        if after and not any(run.text.strip() for run in head):
            return after
        return _blocks_of(kind, pieces, [], **payload) + after

    # Blocks.

    def convert(self, nodes: list[SyntaxTreeNode]) -> list[dict]:
        blocks: list[dict] = []
        at = 0
        while at < len(nodes):
            node = nodes[at]
            self.at(node)
            if node.type == "html_block":
                toggle = self.toggle(nodes, at)
                if toggle is not None:
                    made, at = toggle
                    blocks += made
                    continue
                blocks += self.html_as_text(node)
            else:
                blocks += self.block(node)
            at += 1
        return blocks

    def part(self, node: SyntaxTreeNode) -> _DetailsPart | None:
        if node.type != "html_block":
            return None
        if id(node) not in self._parts:
            self._parts[id(node)] = _details_part(node.content)
        return self._parts[id(node)]

    def toggle(self, nodes: list[SyntaxTreeNode], at: int) -> tuple[list[dict], int] | None:
        """A <details> opened by `nodes[at]` and closed among its siblings (or where they end), as
        Notion's "Toggle" block, and where the nodes after it start; None if it is not one."""
        opening = self.part(nodes[at])
        if opening is None or opening.kind != "open":
            return None
        still_open, end = 1, at + 1
        while end < len(nodes):
            part = self.part(nodes[end])
            if part is not None and part.kind == "open":
                still_open += 1
            elif part is not None and part.kind == "close":
                if part.closes > still_open:
                    return None
                still_open -= part.closes
                if still_open == 0:
                    break
            end += 1
        if end < len(nodes):
            closing_inside, after = self.part(nodes[end]).closes - 1, end + 1  # type: ignore[union-attr]
        elif still_open <= self.closing_at_end:
            closing_inside, after = still_open - 1, end
        else:
            return None
        start, summary = at + 1, opening.summary
        if summary is None and start < end and (part := self.part(nodes[start])) and part.kind == "summary":
            start, summary = start + 1, part.summary
        inner = nodes[start:end]
        self.check_depth(inner, levels=1)
        with self.deeper(closing_at_end=closing_inside):
            children = self.convert(inner)
        # Notion's "Toggle" block: its text, and the blocks it folds away.
        return _blocks_of("toggle", _rich_text([Run(summary or "", frozenset(), None)]), children), after

    def html_as_text(self, node: SyntaxTreeNode) -> list[dict]:
        line = self.at(node)
        self.note(f"HTML `{_shown(node.content)}`")
        tokens = _HTML_AS_TEXT.parse(node.content, self.env)
        nodes = SyntaxTreeNode(tokens).children
        self.check_depth(nodes)
        offset, self.offset = self.offset, line - 1
        try:
            return self.convert(nodes)
        finally:
            self.offset = offset

    def block(self, node: SyntaxTreeNode) -> list[dict]:
        kind = node.type
        if kind == "heading":
            level = min(int(node.tag[1:]), 3)
            return self.text_blocks(f"heading_{level}", node.children[0], [], leaf=True)
        if kind == "paragraph":
            return self.text_blocks("paragraph", node.children[0], [], leaf=True)
        if kind == "blockquote":
            text, rest = _split_first_paragraph(list(node.children))
            return self.text_blocks("quote", text, self.children(rest), leaf=False)
        if kind == "alert":
            icon, color = ALERTS[str(node.meta.get("kind", "NOTE")).upper()]
            text, rest = _split_first_paragraph(
                [child for child in node.children if child.type != "alert_title"]
            )
            # Notion's "Callout" block: an emoji icon ("Emoji and icon") and a colour.
            icon_object = {"type": "emoji", "emoji": icon}
            return self.text_blocks(
                "callout", text, self.children(rest), leaf=False, icon=icon_object, color=color
            )
        if kind in ("bullet_list", "ordered_list"):
            blocks = []
            for item in node.children:
                self.at(item)
                text, rest = _split_first_paragraph(list(item.children))
                if "task-list-item" in str(item.attrs.get("class", "")):
                    box = text.children[0].content if text is not None and text.children else ""
                    checked = 'checked="checked"' in box
                    blocks += self.text_blocks(
                        "to_do", text, self.children(rest), leaf=False, todo=True, checked=checked
                    )
                else:
                    item_kind = "bulleted_list_item" if kind == "bullet_list" else "numbered_list_item"
                    blocks += self.text_blocks(item_kind, text, self.children(rest), leaf=False)
            return blocks
        if kind in ("fence", "code_block"):
            code = node.content[:-1] if node.content.endswith("\n") else node.content
            language = code_language(node.info) if kind == "fence" else "plain text"
            return self.code(code, language)
        if kind == "hr":
            return [{"object": "block", "type": "divider", "divider": {}}]
        if kind == "math_block":
            expression = node.content.strip()
            if utf16_len(expression) > EQUATION_LIMIT:
                self.note(f"equation longer than {EQUATION_LIMIT} characters, shown as code")
                return self.code(expression, "latex")
            # Notion's "Equation" block.
            return [{"object": "block", "type": "equation", "equation": {"expression": expression}}]
        if kind == "table":
            return self.table(node)
        # Nothing else comes, but nothing typed is ever dropped.
        return _blocks_of("paragraph", _rich_text([Run(node.content, frozenset(), None)]), [])

    def children(self, nodes: list[SyntaxTreeNode]) -> list[dict]:
        with self.deeper():
            return self.convert(nodes)

    def code(self, code: str, language: str) -> list[dict]:
        pieces = [_piece(Run(part, frozenset(), None)) for part in split_text(code)]
        return _blocks_of("code", pieces, [], language=language)

    def table(self, node: SyntaxTreeNode) -> list[dict]:
        """Notion's "Table" block, its rows as its children ("Table rows": `cells`, each a rich text
        array); every row as wide as the widest, the first row its column header."""
        line = self.at(node)
        rows = [row for section in node.children for row in section.children]
        runs: list[list[list[Run]]] = []
        for row in rows:
            self.at(row)
            runs.append(
                [self.text_runs(cell.children[0] if cell.children else None) for cell in row.children]
            )
        cells = [[_rich_text(cell) for cell in row] for row in runs]
        width = max(len(row) for row in cells)
        why = None
        if width > ARRAY_LIMIT:
            why = f"wider than {ARRAY_LIMIT} columns"
        elif any(len(cell) > ARRAY_LIMIT for row in cells for cell in row):
            why = f"a cell of more than {ARRAY_LIMIT} pieces of text"
        made = [
            {"object": "block", "type": "table_row", "table_row": {"cells": row + [[]] * (width - len(row))}}
            for row in cells
        ]
        if why is None and any(json_size(row) > BLOCK_BYTES for row in made):
            why = "a row too long for one request"
        if why is not None:
            self.note(f"table ({why}), shown as text, a paragraph a row", line)
            separator = Run(" | ", frozenset(), None)
            return [
                block
                for row in runs
                for block in _blocks_of(
                    "paragraph", _rich_text([run for cell in row for run in [separator, *cell]][1:]), []
                )
            ]
        table = {"table_width": width, "has_column_header": True, "has_row_header": False, "children": made}
        return [{"object": "block", "type": "table", "table": table}]


def markdown_blocks(text: str, *, attached: Mapping[str, tuple[str, str]] | None = None) -> Converted:
    """The blocks of Markdown `text`, children under their parents (`<type>.children`), and what
    Notion shows as typed text.

    `attached` maps a file name an image may name (`![alt](name.png)`) to the block type and the ID
    of a file uploaded to Notion. Raises TooDeep if it nests more than MAX_DEPTH deep.
    """
    env: dict = {}
    tokens = _PARSER.parse(text, env)
    if nesting_depth(tokens) > MAX_DEPTH:
        raise TooDeep()
    converter = _Converter(attached=attached or {}, env=env)
    blocks = converter.convert(SyntaxTreeNode(tokens).children)
    return Converted(blocks, converter.notes, converter.file_names)


MARKDOWN = "markdown"
PLAIN = "plain"


@dataclass(frozen=True)
class ContentPlan:
    """The blocks some content makes (children under their parents), the requests that add them,
    and what of it Notion shows as typed text."""

    blocks: list[dict]
    steps: list[Step]
    as_text: list[str] = field(default_factory=list)
    file_names: dict[str, str] = field(default_factory=dict)

    @property
    def block_count(self) -> int:
        return count_blocks(self.blocks)


def plan_content(
    content: str, *, text_format: str = PLAIN, attached: Mapping[str, tuple[str, str]] | None = None
) -> ContentPlan:
    """The plan of `content`; in Markdown, `attached` names the uploaded files its images may name."""
    if text_format == MARKDOWN:
        converted = markdown_blocks(content, attached=attached)
        return ContentPlan(
            converted.blocks, plan_requests(converted.blocks), converted.as_text, converted.file_names
        )
    batches = content_batches(content)
    refs = itertools.count(1)
    steps: list[Step] = [Append(0, batch, [next(refs) for _ in batch]) for batch in batches]
    return ContentPlan([block for batch in batches for block in batch], steps)
