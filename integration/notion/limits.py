"""Notion's limits (API version 2025-09-03), each defined once."""

VERSION = "2025-09-03"

TEXT_LIMIT = 2000  # units of UTF-16 in the content of one rich-text object
URL_LIMIT = 2000
ARRAY_LIMIT = 100  # elements of any array: rich-text pieces, children blocks, results
BODY_LIMIT = 500_000  # bytes of one request
# What this app fills one request to, leaving room under BODY_LIMIT for the envelope.
REQUEST_BYTES = 400_000


def utf16_len(text: str) -> int:
    """The length of `text` as Notion counts it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2
