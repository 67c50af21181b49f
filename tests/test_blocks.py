"""Text cut into what Notion accepts: every piece fits, nothing is lost, the pieces are as few as can be."""

import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integration.notion.blocks import content_batches, split_text
from integration.notion.limits import ARRAY_LIMIT, TEXT_LIMIT, utf16_len

pytestmark = pytest.mark.no_db

ASTRAL = "😀"  # two UTF-16 units
COMBINING = "e\u0301"  # e and a combining acute accent: two characters, one letter
characters = st.sampled_from(["a", "é", "中", ASTRAL, "\U0001f468\u200d\U0001f469", COMBINING, "\n", " "])
texts = st.lists(characters, max_size=5000).map("".join)


def check(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    assert all(0 < utf16_len(piece) <= limit for piece in pieces)
    assert all(utf16_len(piece) >= limit - 1 for piece in pieces[:-1])
    assert len(pieces) <= math.ceil(utf16_len(text) / (limit - 1))
    return pieces


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        (ASTRAL * 2000, [1000, 1000]),
        (ASTRAL * 1999 + "a", [1000, 1000]),
        ("a" + ASTRAL * 1000, [1000, 1]),
        ("a" * 1999 + ASTRAL, [1999, 1]),
        ("a" * 2000, [2000]),
        ("a" * 2001, [2000, 1]),
        (COMBINING * 1500, [2000, 1000]),
        ("", []),
    ],
)
def test_it_cuts_at_every_boundary_into_as_few_pieces_as_fit(text, sizes):
    assert [len(piece) for piece in check(text)] == sizes


def test_a_window_of_astral_characters_never_loops():
    started = time.monotonic()

    check(ASTRAL * 100_000)

    assert time.monotonic() - started < 2


@settings(max_examples=300, deadline=None)
@given(text=texts, limit=st.integers(min_value=2, max_value=2000))
def test_any_text_is_cut_exactly_within_the_limit(text, limit):
    check(text, limit)


@settings(max_examples=100, deadline=None)
@given(text=texts)
def test_content_goes_back_together_exactly(text):
    batches = content_batches(text)
    blocks = [block for batch in batches for block in batch]

    rebuilt = "\n\n".join(
        "".join(piece["text"]["content"] for piece in block["paragraph"]["rich_text"]) for block in blocks
    )
    assert rebuilt == text.replace("\r\n", "\n").replace("\r", "\n")
    assert all(len(batch) <= ARRAY_LIMIT for batch in batches)
    assert all(len(block["paragraph"]["rich_text"]) <= ARRAY_LIMIT for block in blocks)
