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


ELEMENT_LIMIT = 1000  # blocks of one request, nested ones included
NESTING_LIMIT = 2  # levels of blocks one request may hold: its blocks, and their children

# The languages a code block may be marked with.
CODE_LANGUAGES = frozenset({
    "abap", "abc", "agda", "arduino", "ascii art", "assembly", "bash", "basic", "bnf", "c", "c#", "c++",
    "clojure", "coffeescript", "coq", "css", "dart", "dhall", "diff", "docker", "ebnf", "elixir", "elm",
    "erlang", "f#", "flow", "fortran", "gherkin", "glsl", "go", "graphql", "groovy", "haskell", "hcl",
    "html", "idris", "java", "javascript", "json", "julia", "kotlin", "latex", "less", "lisp",
    "livescript", "llvm ir", "lua", "makefile", "markdown", "markup", "matlab", "mathematica", "mermaid",
    "nix", "notion formula", "objective-c", "ocaml", "pascal", "perl", "php", "plain text", "powershell",
    "prolog", "protobuf", "purescript", "python", "r", "racket", "reason", "ruby", "rust", "sass",
    "scala", "scheme", "scss", "shell", "smalltalk", "solidity", "sql", "swift", "toml", "typescript",
    "vb.net", "verilog", "vhdl", "visual basic", "webassembly", "xml", "yaml", "java/c/c++/c#",
})  # fmt: skip
