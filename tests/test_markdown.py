"""Markdown turned into Notion's blocks: each element, nesting to any depth, and every limit kept."""

import json
import re
from html import escape, unescape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integration.notion.blocks import Append, ListChildren, children_of, json_size, plan_requests
from integration.notion.limits import ARRAY_LIMIT, BODY_LIMIT, ELEMENT_LIMIT, TEXT_LIMIT, utf16_len
from integration.notion.markdown import MAX_DEPTH, TooDeep, markdown_blocks, plan_content

pytestmark = pytest.mark.no_db


def piece(text: str, *marks: str, url: str | None = None) -> dict:
    made: dict = {"type": "text", "text": {"content": text}}
    if url:
        made["text"]["link"] = {"url": url}
    if marks:
        made["annotations"] = {mark: True for mark in sorted(marks)}
    return made


def block(kind: str, *pieces: dict | str, children: list[dict] | None = None, **payload: object) -> dict:
    rich = [piece(p) if isinstance(p, str) else p for p in pieces]
    made = {"object": "block", "type": kind, kind: {"rich_text": rich, **payload}}
    if children:
        made[kind]["children"] = children
    return made


def code(text: str, language: str) -> dict:
    return block("code", text, language=language)


def table(*rows: list[list[dict | str]]) -> dict:
    made = [
        {
            "object": "block",
            "type": "table_row",
            "table_row": {"cells": [[piece(p) if isinstance(p, str) else p for p in cell] for cell in row]},
        }
        for row in rows
    ]
    width = len(rows[0])
    data = {"table_width": width, "has_column_header": True, "has_row_header": False, "children": made}
    return {"object": "block", "type": "table", "table": data}


def callout(emoji: str, color: str, *pieces: dict | str, children: list[dict] | None = None) -> dict:
    icon = {"type": "emoji", "emoji": emoji}
    return block("callout", *pieces, children=children, icon=icon, color=color)


def equation(expression: str, *marks: str) -> dict:
    made: dict = {"type": "equation", "equation": {"expression": expression}}
    if marks:
        made["annotations"] = {mark: True for mark in sorted(marks)}
    return made


def equation_block(expression: str) -> dict:
    return {"object": "block", "type": "equation", "equation": {"expression": expression}}


def image(url: str, *caption: dict | str) -> dict:
    content = {"type": "external", "external": {"url": url}}
    return {
        "object": "block",
        "type": "image",
        "image": {**content, "caption": [piece(p) if isinstance(p, str) else p for p in caption]},
    }


def uploaded(kind: str, upload_id: str, *caption: dict | str) -> dict:
    content = {"type": "file_upload", "file_upload": {"id": upload_id}}
    return {
        "object": "block",
        "type": kind,
        kind: {**content, "caption": [piece(p) if isinstance(p, str) else p for p in caption]},
    }


DIVIDER = {"object": "block", "type": "divider", "divider": {}}
LONG_URL = "https://example.com/" + "a" * 2000

ELEMENTS = {
    "heading 1": ("# One", [block("heading_1", "One")]),
    "heading 2": ("## Two", [block("heading_2", "Two")]),
    "heading 3": ("### Three", [block("heading_3", "Three")]),
    "heading 4 becomes 3": ("#### Four", [block("heading_3", "Four")]),
    "heading 6 becomes 3": ("###### Six", [block("heading_3", "Six")]),
    "setext heading": ("Title\n=====", [block("heading_1", "Title")]),
    "paragraphs": ("One.\n\nTwo.", [block("paragraph", "One."), block("paragraph", "Two.")]),
    "a line break stays": ("one\ntwo", [block("paragraph", "one\ntwo")]),
    "bulleted list": ("- a\n- b", [block("bulleted_list_item", "a"), block("bulleted_list_item", "b")]),
    "numbered list": ("1. a\n2. b", [block("numbered_list_item", "a"), block("numbered_list_item", "b")]),
    "to-dos": (
        "- [ ] open\n- [x] done\n- [X] done too",
        [
            block("to_do", "open", checked=False),
            block("to_do", "done", checked=True),
            block("to_do", "done too", checked=True),
        ],
    ),
    "nested list": (
        "- a\n  - b\n    1. c",
        [
            block(
                "bulleted_list_item",
                "a",
                children=[block("bulleted_list_item", "b", children=[block("numbered_list_item", "c")])],
            )
        ],
    ),
    "a loose item's second paragraph": (
        "- a\n\n  more",
        [block("bulleted_list_item", "a", children=[block("paragraph", "more")])],
    ),
    "nested to-do": (
        "- [ ] plan\n  - [x] book",
        [block("to_do", "plan", checked=False, children=[block("to_do", "book", checked=True)])],
    ),
    "quote": ("> Wise words", [block("quote", "Wise words")]),
    "quote of two paragraphs": (
        "> first\n>\n> second",
        [block("quote", "first", children=[block("paragraph", "second")])],
    ),
    "fenced code": ("```python\nprint(1)\n```", [code("print(1)", "python")]),
    "py": ("```py\nx\n```", [code("x", "python")]),
    "js": ("```js\nx\n```", [code("x", "javascript")]),
    "ts": ("```ts\nx\n```", [code("x", "typescript")]),
    "sh": ("```sh\nx\n```", [code("x", "shell")]),
    "yml": ("```yml\nx\n```", [code("x", "yaml")]),
    "md": ("```md\nx\n```", [code("x", "markdown")]),
    "cpp": ("```cpp\nx\n```", [code("x", "c++")]),
    "upper case": ("```JSON\n{}\n```", [code("{}", "json")]),
    "unknown language": ("```klingon\nx\n```", [code("x", "plain text")]),
    "no language": ("```\nx\n  y\n```", [code("x\n  y", "plain text")]),
    "indented code": ("    x = 1", [code("x = 1", "plain text")]),
    "code keeps Markdown as typed": ("```\n**not bold**\n```", [code("**not bold**", "plain text")]),
    "divider": ("a\n\n---\n\nb", [block("paragraph", "a"), DIVIDER, block("paragraph", "b")]),
    "marks": (
        "**b** *i* ~~s~~ `c`",
        [
            block(
                "paragraph",
                piece("b", "bold"),
                " ",
                piece("i", "italic"),
                " ",
                piece("s", "strikethrough"),
                " ",
                piece("c", "code"),
            )
        ],
    ),
    "marks together": ("***both***", [block("paragraph", piece("both", "bold", "italic"))]),
    "link": ("[Notion](https://notion.so)", [block("paragraph", piece("Notion", url="https://notion.so"))]),
    "mail link": ("[me](mailto:a@b.c)", [block("paragraph", piece("me", url="mailto:a@b.c"))]),
    "autolink": ("<http://x.y/z>", [block("paragraph", piece("http://x.y/z", url="http://x.y/z"))]),
    "bold link": ("**[a](https://a.b)**", [block("paragraph", piece("a", "bold", url="https://a.b"))]),
    "ftp link is text": ("[f](ftp://x.y)", [block("paragraph", "f")]),
    "script link is text": ("[f](javascript:alert(1))", [block("paragraph", "f")]),
    "relative link is text": ("[f](/here)", [block("paragraph", "f")]),
    "too long a link is text": (f"[f]({LONG_URL})", [block("paragraph", "f")]),
    "image not attached shows its description": (
        "![a *cat*](cat.png)",
        [block("paragraph", "a ", piece("cat", "italic"))],
    ),
    "image from the web": (
        "![a *cat*](https://x.y/c.png)",
        [image("https://x.y/c.png", "a ", piece("cat", "italic"))],
    ),
    "image splits its paragraph": (
        "before ![c](https://x.y/c.png) after",
        [block("paragraph", "before "), image("https://x.y/c.png", "c"), block("paragraph", " after")],
    ),
    "images side by side": (
        "![a](https://x.y/a.png) ![b](https://x.y/b.png)",
        [image("https://x.y/a.png", "a"), image("https://x.y/b.png", "b")],
    ),
    "image in a list item is its child": (
        "- item ![c](https://x.y/c.png) tail",
        [
            block(
                "bulleted_list_item",
                "item ",
                children=[image("https://x.y/c.png", "c"), block("paragraph", " tail")],
            )
        ],
    ),
    "image in a quote is its child": (
        "> ![c](https://x.y/c.png)",
        [block("quote", children=[image("https://x.y/c.png", "c")])],
    ),
    "image in a link stays its description": (
        "[![badge](https://x.y/b.svg)](https://x.y)",
        [block("paragraph", piece("badge", url="https://x.y"))],
    ),
    "image of a data URL stays its description": (
        "![d](data:image/png;base64,AA)",
        [block("paragraph", "d")],
    ),
    "image with too long a URL stays its description": (f"![l]({LONG_URL})", [block("paragraph", "l")]),
    "table": (
        "| a | **b** |\n|---|:-:|\n| [l](https://l.m) | `c` |",
        [table(["a", [piece("b", "bold")]], [[piece("l", url="https://l.m")], [piece("c", "code")]])],
    ),
    "table rows padded to the widest": (
        "| a | b | c |\n|---|---|---|\n| 1 |\n| 1 | 2 | 3 | 4 |",
        [table(["a", "b", "c"], ["1", [], []], ["1", "2", "3"])],
    ),
    "table cell with an equation": (
        "| x |\n|---|\n| $x^2$ |",
        [table(["x"], [[equation("x^2")]])],
    ),
    "table cell with an image shows its description": (
        "| x |\n|---|\n| ![i](https://x.y/i.png) |",
        [table(["x"], ["i"])],
    ),
    "table in a list item": (
        "- a\n\n  | x |\n  |---|\n  | 1 |",
        [block("bulleted_list_item", "a", children=[table(["x"], ["1"])])],
    ),
    "note": ("> [!NOTE]\n> Read **this**", [callout("ℹ️", "blue_background", "Read ", piece("this", "bold"))]),
    "tip": ("> [!TIP]\n> t", [callout("💡", "green_background", "t")]),
    "important": ("> [!IMPORTANT]\n> i", [callout("❗", "purple_background", "i")]),
    "warning": ("> [!WARNING]\n> w", [callout("⚠️", "yellow_background", "w")]),
    "caution": ("> [!CAUTION]\n> c", [callout("🛑", "red_background", "c")]),
    "alert in lower case": ("> [!note]\n> n", [callout("ℹ️", "blue_background", "n")]),
    "alert of several paragraphs": (
        "> [!WARNING]\n> first\n>\n> - second",
        [callout("⚠️", "yellow_background", "first", children=[block("bulleted_list_item", "second")])],
    ),
    "alert marker alone": ("> [!TIP]", [callout("💡", "green_background")]),
    "unknown alert is a quote": ("> [!FOO]\n> x", [block("quote", "[!FOO]\nx")]),
    "marker with text after it is a quote": ("> [!NOTE] x", [block("quote", "[!NOTE] x")]),
    "toggle": (
        "<details>\n<summary>More &amp; less</summary>\n\nHidden *text*\n\n</details>",
        [block("toggle", "More & less", children=[block("paragraph", "Hidden ", piece("text", "italic"))])],
    ),
    "toggle with its summary on the same line": (
        "<details><summary>S</summary>\n\n- a\n</details>",
        [block("toggle", "S", children=[block("bulleted_list_item", "a")])],
    ),
    "toggle open": (
        "<details open>\n\n<summary>S</summary>\n\nx\n\n</details>",
        [block("toggle", "S", children=[block("paragraph", "x")])],
    ),
    "toggle without a summary": (
        "<details>\n\nx\n\n</details>",
        [block("toggle", children=[block("paragraph", "x")])],
    ),
    "nested toggles": (
        "<details><summary>A</summary>\n\n<details><summary>B</summary>\n\nb\n\n</details>\n\na\n\n</details>",
        [
            block(
                "toggle",
                "A",
                children=[block("toggle", "B", children=[block("paragraph", "b")]), block("paragraph", "a")],
            )
        ],
    ),
    "nested toggles closed together": (
        "<details><summary>A</summary>\n\n<details><summary>B</summary>\n\nb\n</details>\n</details>",
        [block("toggle", "A", children=[block("toggle", "B", children=[block("paragraph", "b")])])],
    ),
    "toggle in a list item": (
        "- i\n\n  <details><summary>S</summary>\n\n  x\n  </details>",
        [
            block(
                "bulleted_list_item", "i", children=[block("toggle", "S", children=[block("paragraph", "x")])]
            )
        ],
    ),
    "details never closed is text": (
        "<details>\n\nx",
        [block("paragraph", "<details>"), block("paragraph", "x")],
    ),
    "an HTML block is text, its Markdown converted as without HTML": (
        '<div align="center">\n*hi*\n</div>',
        [block("paragraph", '<div align="center">\n', piece("hi", "italic"), "\n</div>")],
    ),
    "an HTML comment is text": ("<!-- note -->", [block("paragraph", "<!-- note -->")]),
    "equation": ("$$\nE = mc^2\n$$", [equation_block("E = mc^2")]),
    "equation on one line": ("$$a+b$$", [equation_block("a+b")]),
    "inline equation": (
        "so $x_1$ is **$y$**",
        [block("paragraph", "so ", equation("x_1"), " is ", equation("y", "bold"))],
    ),
    "prices are not equations": ("$5 and $10", [block("paragraph", "$5 and $10")]),
    "escaped dollar": (r"\$x$", [block("paragraph", "$x$")]),
    "too long an equation is code": (
        "$$\n" + "x" * 1001 + "\n$$",
        [code("x" * 1001, "latex")],
    ),
    "too long an inline equation is code": (
        "$" + "y" * 1001 + "$",
        [block("paragraph", piece("y" * 1001, "code"))],
    ),
    "bare URL": (
        "see https://x.y/z.",
        [block("paragraph", "see ", piece("https://x.y/z", url="https://x.y/z"), ".")],
    ),
    "bare www": ("www.x.org", [block("paragraph", piece("www.x.org", url="http://www.x.org"))]),
    "bare e-mail": ("a@b.co", [block("paragraph", piece("a@b.co", url="mailto:a@b.co"))]),
    "bare URL in code stays code": ("`https://x.y`", [block("paragraph", piece("https://x.y", "code"))]),
    "raw HTML is text": ("<b>hi</b> & <i>", [block("paragraph", "<b>hi</b> & <i>")]),
    "escapes are text": (r"\*not\* &amp;", [block("paragraph", "*not* &")]),
}


@pytest.mark.parametrize(("markdown", "blocks"), ELEMENTS.values(), ids=ELEMENTS.keys())
def test_each_markdown_element_becomes_its_notion_block(markdown, blocks):
    assert markdown_blocks(markdown).blocks == blocks


def test_a_list_nested_deeper_than_two_levels_goes_in_follow_up_requests_to_the_new_ids():
    blocks = markdown_blocks("- a\n  - b\n    - c\n      - d\n        - e\n- f").blocks

    steps = plan_requests(blocks)

    assert [type(step).__name__ for step in steps] == [
        "Append", "ListChildren", "Append", "ListChildren", "Append",
    ]  # fmt: skip
    first, read_a, under_b, read_c, under_d = steps
    assert first.parent == 0
    assert [b["bulleted_list_item"]["rich_text"][0]["text"]["content"] for b in first.children] == ["a", "f"]
    assert children_of(first.children[0]) == [block("bulleted_list_item", "b")]
    assert read_a.parent == first.refs[0]
    assert under_b.parent == read_a.refs[0]
    assert under_b.children == [block("bulleted_list_item", "c", children=[block("bulleted_list_item", "d")])]
    assert read_c.parent == under_b.refs[0] and under_d.parent == read_c.refs[0]
    assert under_d.children == [block("bulleted_list_item", "e")]


def test_a_5000_character_link_keeps_its_link_and_marks_on_every_piece():
    label = "x" * 5000

    [paragraph] = markdown_blocks(f"See **[{label}](https://example.com/a)** now").blocks

    pieces = paragraph["paragraph"]["rich_text"]
    linked = [p for p in pieces if "link" in p["text"]]
    assert [len(p["text"]["content"]) for p in linked] == [2000, 2000, 1000]
    assert all(p["text"]["link"] == {"url": "https://example.com/a"} for p in linked)
    assert all(p["annotations"] == {"bold": True} for p in linked)
    assert "".join(p["text"]["content"] for p in pieces) == f"See {label} now"


def test_a_5000_character_paragraph_is_cut_where_the_link_crosses_the_limit_without_losing_it():
    text = "a" * 1500 + "[" + "b" * 1000 + "](https://example.com)" + "c" * 2500

    [paragraph] = markdown_blocks(text).blocks

    pieces = paragraph["paragraph"]["rich_text"]
    assert all(utf16_len(p["text"]["content"]) <= TEXT_LIMIT for p in pieces)
    assert "".join(p["text"]["content"] for p in pieces) == "a" * 1500 + "b" * 1000 + "c" * 2500
    assert "".join(p["text"]["content"] for p in pieces if "link" in p["text"]) == "b" * 1000


def test_over_100_pieces_continue_in_a_following_block_of_the_same_kind():
    item = " ".join(f"**{n}**" for n in range(150))

    blocks = markdown_blocks(f"- [x] {item}").blocks

    assert [b["type"] for b in blocks] == ["to_do", "to_do", "to_do"]
    assert [len(b["to_do"]["rich_text"]) for b in blocks] == [100, 100, 99]  # 150 numbers, 149 spaces
    assert all(b["to_do"]["checked"] for b in blocks)


def test_250_list_items_take_3_requests():
    plan = plan_content("\n".join(f"- item {n}" for n in range(250)), text_format="markdown")

    assert [len(step.children) for step in plan.steps] == [100, 100, 50]
    assert plan.block_count == 250


def test_a_list_of_over_100_nested_items_continues_under_the_same_parent():
    plan = plan_content("- top\n" + "\n".join(f"  - {n}" for n in range(150)), text_format="markdown")

    first, more = plan.steps
    assert len(children_of(first.children[0])) == 100
    assert more.parent == first.refs[0] and len(more.children) == 50


# Documents made of words, marks, links, lists nested at random and code, with the text a
# reader would see: they must come out of Notion's blocks exactly, within every limit.
words = st.text(alphabet=st.sampled_from([*"abcxyz", "é", "中", "😀", " "]), min_size=1, max_size=300).map(
    lambda w: w.strip() or "w"
)
marks = st.sampled_from(["", "**", "*", "~~", "`"])


@st.composite
def inline(draw) -> tuple[str, str]:
    parts = draw(st.lists(st.tuples(words, marks, st.booleans()), min_size=1, max_size=8))
    markdown, visible = [], []
    for text, mark, linked in parts:
        if draw(st.booleans()):
            text = text * draw(st.integers(1, 12))  # long enough to be cut
        made = f"{mark}{text}{mark}"
        if linked and mark != "`":
            made = f"[{made}](https://example.com/{len(text)})"
        markdown.append(made)
        visible.append(text)
    return " ".join(markdown), " ".join(visible)


@st.composite
def documents(draw) -> tuple[str, list]:
    lines, expected = [], []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["p", "h", "list", "code"]))
        if kind == "code":
            body = draw(words) * draw(st.integers(1, 20))
            lines.append(f"```\n{body}\n```")
            expected.append((0, body))
        elif kind == "list":
            depth, items = -1, []
            for _ in range(draw(st.integers(1, 8))):
                depth = draw(st.integers(0, depth + 1))  # the first item at the top
                markdown, visible = draw(inline())
                items.append("  " * depth + f"- {markdown}")
                expected.append((depth, visible))
            lines.append("\n".join(items))
        else:
            markdown, visible = draw(inline())
            lines.append(("## " if kind == "h" else "") + markdown)
            expected.append((0, visible))
    return "\n\n".join(lines), expected


def visible_text(blocks: list[dict], depth: int = 0) -> list[tuple[int, str]]:
    seen = []
    for made in blocks:
        seen.append((depth, "".join(p["text"]["content"] for p in made[made["type"]]["rich_text"])))
        seen += visible_text(children_of(made), depth + 1)
    return seen


@settings(max_examples=60, deadline=None)
@given(document=documents())
def test_the_text_a_reader_sees_is_exactly_the_text_written(document):
    markdown, expected = document

    blocks = markdown_blocks(markdown).blocks

    assert visible_text(blocks) == expected


@settings(max_examples=60, deadline=None)
@given(document=documents())
def test_every_request_keeps_notions_limits(document):
    plan = plan_content(document[0], text_format="markdown")

    for step in plan.steps:
        if isinstance(step, ListChildren):
            assert len(step.refs) <= ARRAY_LIMIT
            continue
        assert isinstance(step, Append)
        assert len(step.children) <= ARRAY_LIMIT
        assert json_size({"children": step.children}) <= BODY_LIMIT
        elements = 0
        for top in step.children:
            elements += 1 + len(children_of(top))
            assert len(children_of(top)) <= ARRAY_LIMIT
            assert all(not children_of(kid) for kid in children_of(top))  # two levels at most
            for made in [top, *children_of(top)]:
                rich = made[made["type"]]["rich_text"]
                assert len(rich) <= ARRAY_LIMIT
                assert all(utf16_len(p["text"]["content"]) <= TEXT_LIMIT for p in rich)
        assert elements <= ELEMENT_LIMIT
    assert json.dumps(plan.blocks)  # plain JSON, as sent


def rendered_html(markdown: str) -> str:
    """markdown-it-py's own HTML of `markdown` with the features the app enables, raw HTML kept as
    text as the app does, never cut at a depth; an image shows its description (its alt text) and
    an alert has no title, as in Notion."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.tasklists import tasklists_plugin

    options = {"html": False, "linkify": True, "alerts": True, "maxNesting": 1000}
    parser = (
        MarkdownIt("commonmark", options)
        .enable(["strikethrough", "table", "linkify"])
        .use(tasklists_plugin)
        .use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False)
    )
    parser.add_render_rule(
        "image",
        lambda self, tokens, idx, options, env: escape(
            self.renderInlineAsText(tokens[idx].children, options, env)
        ),
    )
    return re.sub(r'<p class="markdown-alert-title">[^<]*</p>', "", parser.render(markdown))


def rendered_text(markdown: str) -> str:
    """The text markdown-it-py's own HTML shows a reader, without tags."""
    return unescape(re.sub(r"<[^>]*>", "", rendered_html(markdown)))


def html_depth(html: str) -> int:
    """How deep quotes, alerts, list items, tables, marks and links nest in `html`."""
    depth = deepest = 0
    for closing in re.findall(r"<(/?)(?:blockquote|div|li|table|em|strong|s|a)\b", html):
        depth += -1 if closing else 1
        deepest = max(deepest, depth)
    return deepest


def pieces_text(pieces: list[dict]) -> str:
    return "".join(
        p["text"]["content"] if p["type"] == "text" else p["equation"]["expression"] for p in pieces
    )


def shown_text(blocks: list[dict]) -> str:
    """All the text of `blocks` in order: rich text, captions, table cells, equations, children."""
    text = ""
    for made in blocks:
        data = made[made["type"]]
        text += pieces_text(data.get("rich_text", []) + data.get("caption", []))
        text += data.get("expression", "")
        text += "".join(pieces_text(cell) for cell in data.get("cells", []))
        text += shown_text(children_of(made))
    return text


MARKDOWN_BITS = [*"ab *_~`#>-+1.[]()<>:/&;\\\n|$!", "😀", "https://", "- [x] ", "|-|", "> [!NOTE]\n", "<b>"]


@settings(max_examples=300, deadline=None)
@given(markdown=st.lists(st.sampled_from(MARKDOWN_BITS), max_size=40).map("".join))
def test_any_markdown_shows_in_notion_the_text_the_parsers_own_html_shows(markdown):
    try:
        blocks = markdown_blocks(markdown).blocks
    except TooDeep:
        html = rendered_html(markdown)
        assert html_depth(html) > MAX_DEPTH or "![" in markdown  # an image's description: its alt
        return
    # Between blocks HTML has line breaks where Notion has blocks: whitespace aside, the same text.
    assert "".join(shown_text(blocks).split()) == "".join(rendered_text(markdown).split())


def test_a_request_holds_at_most_1000_block_elements():
    content = "\n".join(f"- {n}\n" + "\n".join("  - x" for _ in range(100)) for n in range(20))

    steps = plan_requests(markdown_blocks(content).blocks)

    sizes = [sum(1 + len(children_of(b)) for b in step.children) for step in steps]
    assert sizes == [909, 909, 202]  # 9, 9 and 2 items of 101 blocks


def test_a_request_stays_under_the_size_limit_whatever_the_characters():
    content = "\n\n".join("中" * 100_000 for _ in range(8))  # 300 KB of UTF-8 a paragraph

    steps = plan_requests(markdown_blocks(content).blocks)

    assert all(json_size({"children": step.children}) <= BODY_LIMIT for step in steps)
    assert sum(len(step.children) for step in steps) == 16  # each paragraph in two blocks


# Nesting: lists, quotes, marks and links inside one another, hundreds deep. Up to MAX_DEPTH
# every word reaches Notion at its depth; deeper is refused, never cut short nor a crash.
BLOCK_OPENERS = {"quote": "> ", "bullet": "- ", "ordered": "1. "}
MARKS = ["*", "**", "~~", "_"]


def block_depth(blocks: list[dict]) -> int:
    return max((1 + block_depth(children_of(made)) for made in blocks), default=0)


@st.composite
def nested_documents(draw) -> tuple[str, int, int, str]:
    """Markdown nesting blocks (on one line, or a list indented step by step), then marks and a
    link inside them; with its depth of blocks, its whole depth, and the text a reader sees."""
    depth = draw(st.one_of(st.integers(0, MAX_DEPTH + 1), st.integers(MAX_DEPTH + 2, 500)))
    levels = draw(st.integers(0, depth))
    inline_levels = depth - levels
    link_at = draw(st.one_of(st.none(), st.integers(0, max(inline_levels - 1, 0))))
    opened, closed, words = [], [], []
    for n in range(inline_levels):
        if n == link_at:
            opened.append(f"[w{n} ")
            closed.insert(0, f" w{n}](https://example.com/{n})")
        else:
            mark = MARKS[n % len(MARKS)]
            opened.append(f"{mark}w{n} ")
            closed.insert(0, f" w{n}{mark}")
        words.append(f"w{n}")
    text = "".join(opened) + "core" + "".join(closed)
    visible = " ".join([*words, "core", *reversed(words)])
    if draw(st.booleans()):
        kinds = draw(st.lists(st.sampled_from(list(BLOCK_OPENERS)), min_size=levels, max_size=levels))
        markdown = "".join(BLOCK_OPENERS[kind] for kind in kinds) + text
    else:  # a staircase: each item one step in, the text on the last
        markdown = "".join("  " * n + f"- s{n}\n" for n in range(levels - 1))
        markdown += "  " * max(levels - 1, 0) + ("- " if levels else "") + text
        visible = " ".join([*(f"s{n}" for n in range(levels - 1)), visible])
    return markdown, levels, levels + inline_levels, visible


def all_text(blocks: list[dict]) -> str:
    return " ".join(
        part
        for made in blocks
        for part in (
            "".join(p["text"]["content"] for p in made[made["type"]]["rich_text"]),
            all_text(children_of(made)),
        )
        if part
    )


@settings(max_examples=150, deadline=None)
@given(document=nested_documents())
def test_nesting_up_to_the_limit_reaches_notion_whole_and_deeper_is_refused(document):
    markdown, levels, depth, visible = document

    if depth > MAX_DEPTH:
        with pytest.raises(TooDeep, match=f"nested more than {MAX_DEPTH} deep"):
            plan_content(markdown, text_format="markdown")
        return
    plan = plan_content(markdown, text_format="markdown")

    assert block_depth(plan.blocks) == max(levels, 1)
    assert all_text(plan.blocks) == visible


@pytest.mark.parametrize(
    "markdown",
    [
        "*" * 487 + "x" + "*" * 487,
        "**" * 244 + "x" + "**" * 244,
        "> " * 500 + "x",
        "".join("  " * n + "- x\n" for n in range(500)),
        "".join("   " * n + "1. x\n" for n in range(500)),
        "![a " * 500 + "x" + "](https://example.com/a.png)" * 500,
    ],
    ids=["emphasis", "strong", "quotes", "bullets", "numbers", "images"],
)
def test_markdown_nested_hundreds_deep_is_refused_before_its_tree_is_built(markdown):
    with pytest.raises(TooDeep):
        markdown_blocks(markdown)


# What Notion cannot show as Markdown means it keeps its text, and the writer is told where.
AS_TEXT = {
    "inline HTML": ("a <b>bold</b> claim", ["line 1: HTML `<b>`", "line 1: HTML `</b>`"]),
    "an HTML block": ('text\n\n<div align="center">\n\nx', ['line 3: HTML `<div align="center">`']),
    "HTML on a later line of a paragraph": ("one\ntwo <br>", ["line 2: HTML `<br>`"]),
    "an image not attached": (
        "\n\n![plan](plan.png)",
        ["line 3: image `plan.png` (not attached), shown as its description"],
    ),
    "an image of a data URL": (
        "![d](data:image/png;base64,AA)",
        ["line 1: image `data:image/png;base64,AA` (not a web address), shown as its description"],
    ),
    "an image in a table cell": (
        "| a |\n|---|\n| ![i](https://x.y/i.png) |",
        ["line 3: image `https://x.y/i.png` inside a link or a table cell, shown as its description"],
    ),
    "a details never closed": ("<details>\n\nx", ["line 1: HTML `<details>`"]),
    "too long an equation": (
        "$$\n" + "x" * 1001 + "\n$$",
        ["line 1: equation longer than 1000 characters, shown as code"],
    ),
    "a table wider than Notion's": (
        "|" + "a|" * 101 + "\n|" + "-|" * 101,
        ["line 1: table (wider than 100 columns), shown as text, a paragraph a row"],
    ),
    "nothing": ("# Title\n\n| a |\n|---|\n\n> [!NOTE]\n> n\n\n$$x$$\n\n<details>\n\n</details>", []),
}


@pytest.mark.parametrize(("markdown", "notes"), AS_TEXT.values(), ids=AS_TEXT.keys())
def test_what_is_shown_as_text_is_named_with_its_line(markdown, notes):
    assert markdown_blocks(markdown).as_text == notes


def test_a_table_wider_than_notions_shows_each_row_as_a_paragraph():
    header = "|" + "".join(f" h{n} |" for n in range(101))
    row = "|" + "".join(f" c{n} |" for n in range(101))

    blocks = markdown_blocks(f"{header}\n|{'-|' * 101}\n{row}").blocks

    assert [b["type"] for b in blocks] == ["paragraph", "paragraph"]
    assert blocks[1]["paragraph"]["rich_text"] == [piece(" | ".join(f"c{n}" for n in range(101)))]


def test_an_attached_file_becomes_a_block_of_its_kind_and_the_plan_knows_its_name():
    attached = {"plan.pdf": ("pdf", "up-1"), "my photo.png": ("image", "up-2")}

    plan = plan_content(
        "![The plan](plan.pdf)\n\n![me](<my photo.png>)", text_format="markdown", attached=attached
    )

    assert plan.blocks == [uploaded("pdf", "up-1", "The plan"), uploaded("image", "up-2", "me")]
    assert plan.file_names == {"up-1": "plan.pdf", "up-2": "my photo.png"}
    assert plan.as_text == []


def test_a_table_of_250_rows_goes_out_with_its_first_100_rows_then_the_rest_to_its_id_in_order():
    rows = "\n".join(f"| {n} | r{n} |" for n in range(249))

    plan = plan_content(f"before\n\n| n | row |\n|---|---|\n{rows}\n\nafter", text_format="markdown")

    first, more, rest = plan.steps
    assert isinstance(first, Append) and first.parent == 0
    assert [b["type"] for b in first.children] == ["paragraph", "table", "paragraph"]
    table_block = first.children[1]
    assert table_block["table"]["table_width"] == 2
    assert len(children_of(table_block)) == 100
    assert (more.parent, rest.parent) == (first.refs[1], first.refs[1])
    assert [len(more.children), len(rest.children)] == [100, 50]
    sent = [*children_of(table_block), *more.children, *rest.children]
    assert [pieces_text(row["table_row"]["cells"][0]) for row in sent] == ["n", *map(str, range(249))]
    assert plan.block_count == 253


def test_a_table_under_another_block_is_sent_with_its_rows_to_that_blocks_id():
    plan = plan_content("- item\n\n  | a |\n  |---|\n  | 1 |", text_format="markdown")

    first, under_item = plan.steps
    assert children_of(first.children[0]) == []
    assert under_item.parent == first.refs[0]
    assert under_item.children == [table(["a"], ["1"])]


def test_a_table_is_never_sent_without_rows_whatever_comes_before_it_in_its_parent():
    items = "\n\n".join(f"  p{n}" for n in range(120))
    blocks = markdown_blocks(f"- item\n\n{items}\n\n  | a |\n  |---|\n  | 1 |").blocks

    steps = plan_requests(blocks)

    for step in steps:
        for top in step.children:
            assert top["type"] != "table" or children_of(top)
            assert all(kid["type"] != "table" for kid in children_of(top))
    assert sum(top["type"] == "table" for step in steps for top in step.children) == 1


def test_a_cell_over_2000_units_is_cut_into_pieces_that_keep_its_marks():
    long = "😀" * 1500 + "x" * 1000

    [made] = markdown_blocks(f"| a |\n|---|\n| **{long}** |").blocks

    cell = children_of(made)[1]["table_row"]["cells"][0]
    assert [utf16_len(p["text"]["content"]) for p in cell] == [2000, 2000]
    assert all(p["annotations"] == {"bold": True} for p in cell)
    assert pieces_text(cell) == long


def test_an_alert_of_over_100_pieces_continues_in_following_callouts_its_children_under_the_last():
    words = " ".join(f"**{n}**" for n in range(150))

    blocks = markdown_blocks(f"> [!TIP]\n> {words}\n>\n> more").blocks

    assert [b["type"] for b in blocks] == ["callout"] * 3
    assert [len(b["callout"]["rich_text"]) for b in blocks] == [100, 100, 99]
    assert all(b["callout"]["icon"] == {"type": "emoji", "emoji": "💡"} for b in blocks)
    assert children_of(blocks[-1]) == [block("paragraph", "more")]


def nested_toggles(depth: int) -> str:
    return (
        "".join(f"<details><summary>t{n}</summary>\n\n" for n in range(depth))
        + "core\n"
        + "</details>\n" * depth
    )


def test_toggles_nested_up_to_the_limit_reach_notion_whole():
    blocks = markdown_blocks(nested_toggles(MAX_DEPTH)).blocks

    assert block_depth(blocks) == MAX_DEPTH + 1  # the paragraph inside the last toggle
    assert all_text(blocks) == " ".join([*(f"t{n}" for n in range(MAX_DEPTH)), "core"])


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500])
def test_toggles_nested_deeper_than_the_limit_are_refused(depth):
    with pytest.raises(TooDeep):
        markdown_blocks(nested_toggles(depth))


def test_toggles_count_with_the_lists_and_marks_they_hold():
    inside = "".join("  " * n + "- x\n" for n in range(MAX_DEPTH))

    with pytest.raises(TooDeep):
        markdown_blocks(f"<details>\n\n{inside}\n</details>")


# Tables of words, marks, links, code, equations and bare links: every cell in Notion holds
# exactly the text markdown-it-py's own HTML shows in that cell.
cell_words = st.text(
    alphabet=st.sampled_from([*"abcxyz", "é", "中", "😀", " "]), min_size=1, max_size=40
).map(lambda w: w.strip() or "w")


@st.composite
def cells(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        text = draw(cell_words) * draw(st.sampled_from([1, 1, 60]))  # sometimes over 2000 units
        form = draw(
            st.sampled_from(["{}", "**{}**", "*{}*", "~~{}~~", "`{}`", "[{}](https://e.com/x)", "$x_{{{}}}$"])
        )
        parts.append(form.format(text.replace(" ", "")[:50] if form.startswith("$") else text))
    if draw(st.booleans()):
        parts.append("https://example.com/" + draw(st.sampled_from(["a", "b/c", "d?e=f"])))
    return " ".join(parts)


@st.composite
def tables(draw) -> str:
    width = draw(st.integers(1, 5))
    header = [draw(cells()) or "h" for _ in range(width)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
    for _ in range(draw(st.integers(0, 6))):
        lines.append("| " + " | ".join(draw(cells()) for _ in range(draw(st.integers(1, width + 1)))) + " |")
    return "\n".join(lines)


def rendered_cells(markdown: str) -> list[str]:
    found = re.findall(r"<t[hd](?: [^>]*)?>(.*?)</t[hd]>", rendered_html(markdown), flags=re.S)
    return [unescape(re.sub(r"<[^>]*>", "", cell)) for cell in found]


@settings(max_examples=80, deadline=None)
@given(markdown=tables(), before=st.sampled_from(["", "Text **before**\n\n", "- item\n\n"]))
def test_every_cell_of_any_table_shows_in_notion_exactly_the_text_the_parsers_html_shows(markdown, before):
    converted = markdown_blocks(before + markdown)

    tables_made = [b for b in converted.blocks if b["type"] == "table"]
    tables_made += [kid for b in converted.blocks for kid in children_of(b) if kid["type"] == "table"]
    [made] = tables_made
    rows = children_of(made)
    width = made["table"]["table_width"]
    assert all(len(row["table_row"]["cells"]) == width for row in rows)
    expected = rendered_cells(before + markdown)
    got = [pieces_text(cell) for row in rows for cell in row["table_row"]["cells"]]
    assert got == expected  # markdown-it pads short rows too, and drops cells past the header's
    for row in rows:
        for cell in row["table_row"]["cells"]:
            assert len(cell) <= ARRAY_LIMIT
            assert all(utf16_len(p["text"]["content"]) <= TEXT_LIMIT for p in cell if p["type"] == "text")
    assert "".join(shown_text(converted.blocks).split()) == "".join(rendered_text(before + markdown).split())
    assert converted.as_text == []
