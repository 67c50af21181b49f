"""Notion's rules for what a request may hold (API version 2025-09-03), each defined here once.

Lengths and counts of text, links, values and arrays; how deep and how big one request may be; the
types of properties and which of them a page can be given a value of; number formats, colours and
code languages; the blocks that take children; the file types and sizes of uploads. Free of Django.
A length is counted as Notion counts it, in UTF-16 code units (`utf16_len`). The few values that
are this app's own choice, not Notion's, say so. The endpoints, with the capability each needs,
are listed in `integration.notion.endpoints`.

Sources: "Request limits" (sizes of property values, of rich text and of requests), "Property
object" and "Property values" (types), "Rich text" (colours), "Block" (code languages, children).
"""


def utf16_len(text: str) -> int:
    """The length of `text` as Notion counts it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


# Lengths, in UTF-16 units ("Request limits").
TEXT_LIMIT = 2000  # the content of one rich-text object
URL_LIMIT = 2000  # any URL: a link in rich text, a url property, an external file
# The expression of an equation in rich text; none is given for the equation block, which is held
# to the same.
EQUATION_LIMIT = 1000
CONTACT_LIMIT = 200  # an email or a phone number value
OPTION_NAME_LIMIT = 100  # the name of a select or multi-select option
# Notion documents no limit for a property's name nor for the name of a file in a files property:
# these two are the app's choice, counted in characters, short enough for any Notion page to show.
PROPERTY_NAME_LIMIT = 100
FILE_NAME_LIMIT = 100

# Counts and sizes.
ARRAY_LIMIT = 100  # elements of any array: rich-text pieces, children, options, people, results
BODY_LIMIT = 500_000  # bytes of one request
ELEMENT_LIMIT = 1000  # blocks of one request, nested ones included
NESTING_LIMIT = 2  # levels of blocks one request may hold: its blocks, and their children
# The app's choice, not Notion's: what this app fills one request to, leaving room under BODY_LIMIT
# for the envelope.
REQUEST_BYTES = 400_000

# The schemes of a link Notion keeps in rich text, and of an external file's (or image's) URL.
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
FILE_URL_SCHEMES = frozenset({"http", "https"})

# Property types ("Property object"): every type a data source's schema may hold, those Notion
# fills in itself (a page can't be given a value for them), and those a page is given a value of
# by this app from what a person typed (Notion also takes relation values: pages, by ID, which the
# CSV import looks up in the related data source and sends as `values.relation_value` makes them).
PROPERTY_TYPES = frozenset({
    "title", "rich_text", "number", "select", "multi_select", "status", "date", "people",
    "files", "checkbox", "url", "email", "phone_number", "formula", "relation", "rollup",
    "created_time", "created_by", "last_edited_time", "last_edited_by", "unique_id",
    "button", "location", "verification", "place",
})  # fmt: skip
READ_ONLY_TYPES = frozenset({
    "created_time", "created_by", "last_edited_time", "last_edited_by", "formula", "rollup",
    "unique_id", "button", "verification",
})  # fmt: skip
PAGE_VALUE_TYPES = frozenset({
    "title", "rich_text", "number", "select", "multi_select", "status", "date", "people",
    "files", "checkbox", "url", "email", "phone_number",
})  # fmt: skip
# A number property's formats, in Notion's order (NumberFormat in makenotion/notion-sdk-js).
NUMBER_FORMATS = (
    "number", "number_with_commas", "percent", "dollar", "australian_dollar", "canadian_dollar",
    "singapore_dollar", "euro", "pound", "yen", "ruble", "rupee", "won", "yuan", "real", "lira",
    "rupiah", "franc", "hong_kong_dollar", "new_zealand_dollar", "krona", "norwegian_krone",
    "mexican_peso", "rand", "new_taiwan_dollar", "danish_krone", "zloty", "baht", "forint",
    "koruna", "shekel", "chilean_peso", "philippine_peso", "dirham", "colombian_peso", "riyal",
    "ringgit", "leu", "argentine_peso", "uruguayan_peso", "peruvian_sol",
)  # fmt: skip

# The colours of a select option, in Notion's order; a block and rich text take these and their
# backgrounds ("Rich text", its annotations; "Block colors are now supported in the API").
OPTION_COLORS = ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")
COLORS = frozenset(OPTION_COLORS) | {f"{name}_background" for name in OPTION_COLORS[1:]}

# The media blocks an upload can be attached to, and the categories each takes ("file" takes any).
MEDIA_BLOCKS = {"image": {"image"}, "audio": {"audio"}, "video": {"video"}, "pdf": {"pdf"}, "file": None}
# Blocks that hold no children ("Block": their objects have no `children`).
CHILDLESS_BLOCKS = frozenset({"code", "divider", "equation", "table_row", *MEDIA_BLOCKS})
# Blocks Notion creates only with children: a table comes with its first rows ("Table": its
# `children`, table rows, are required when it is created).
NEEDS_CHILDREN = frozenset({"table"})

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

# File uploads. "Working with files and media" (file size limits, supported file types, other
# limitations), "Uploading larger files" (sizes of parts), "Create a file upload" (number_of_parts).
MIB = 1024 * 1024
FREE_FILE_SIZE = 5 * MIB  # a free workspace's per-file limit; users.me gives the workspace's own
MULTI_PART_MAX = 5 * 1024 * MIB  # a paid workspace's per-file limit, reached only in multi-part mode
SINGLE_PART_MAX = 20 * MIB  # larger files must be sent in parts
PART_MIN = 5 * MIB  # every part but the last
PART_MAX = 20 * MIB
PART_SIZE = 10 * MIB  # the size Notion recommends
PARTS_LIMIT = 1000
FILE_NAME_BYTES = 900  # of a file name's UTF-8, extension included
UPLOAD_EXPIRY_SECONDS = 3600  # an upload not attached within an hour of its creation expires

# The file types Notion takes, by category: each extension with the content type a file of that
# name is sent as. Notion's table lists .mkv and .gifv without a content type of their own: they
# are sent as the closest listed one (WebM is Matroska's subset; a .gifv is an MP4 video).
FILE_TYPES: dict[str, dict[str, str]] = {
    "audio": {
        ".aac": "audio/aac", ".adts": "audio/aac", ".mid": "audio/midi", ".midi": "audio/midi",
        ".mp3": "audio/mpeg", ".mpga": "audio/mpeg", ".m4a": "audio/mp4", ".m4b": "audio/mp4",
        ".mp4": "audio/mp4", ".oga": "audio/ogg", ".ogg": "audio/ogg", ".wav": "audio/wav",
        ".wma": "audio/x-ms-wma",
    },
    "document": {
        ".pdf": "application/pdf", ".txt": "text/plain", ".json": "application/json",
        ".doc": "application/msword", ".dot": "application/msword",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".dotx": "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
        ".xls": "application/vnd.ms-excel", ".xlt": "application/vnd.ms-excel",
        ".xla": "application/vnd.ms-excel",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xltx": "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
        ".ppt": "application/vnd.ms-powerpoint", ".pot": "application/vnd.ms-powerpoint",
        ".pps": "application/vnd.ms-powerpoint", ".ppa": "application/vnd.ms-powerpoint",
        ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".potx": "application/vnd.openxmlformats-officedocument.presentationml.template",
    },
    "image": {
        ".gif": "image/gif", ".heic": "image/heic", ".jpeg": "image/jpeg", ".jpg": "image/jpeg",
        ".png": "image/png", ".svg": "image/svg+xml", ".tif": "image/tiff", ".tiff": "image/tiff",
        ".webp": "image/webp", ".ico": "image/vnd.microsoft.icon",
    },
    "video": {
        ".amv": "video/x-amv", ".asf": "video/x-ms-asf", ".wmv": "video/x-ms-asf",
        ".avi": "video/x-msvideo", ".f4v": "video/x-f4v", ".flv": "video/x-flv", ".gifv": "video/mp4",
        ".m4v": "video/mp4", ".mp4": "video/mp4", ".mkv": "video/webm", ".webm": "video/webm",
        ".mov": "video/quicktime", ".qt": "video/quicktime", ".mpeg": "video/mpeg",
    },
}  # fmt: skip
# Content types Notion lists beyond those above.
EXTRA_CONTENT_TYPES = {"application/mp4": "video"}


def extension_of(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def categories_of_name(name: str) -> set[str]:
    """The categories of Notion's file types a file of this name belongs to (.mp4: audio and video)."""
    extension = extension_of(name)
    return {category for category, types in FILE_TYPES.items() if extension in types}


def categories_of_content_type(content_type: str) -> set[str]:
    base = content_type.split(";")[0].strip().lower()
    found = {category for category, types in FILE_TYPES.items() if base in types.values()}
    if base in EXTRA_CONTENT_TYPES:
        found.add(EXTRA_CONTENT_TYPES[base])
    return found


def content_type_for(name: str) -> str:
    """The content type Notion expects a file of this name to be sent as ("" if none)."""
    extension = extension_of(name)
    for category in ("video", "audio", "image", "document"):  # .mp4 is a video first
        if extension in FILE_TYPES[category]:
            return FILE_TYPES[category][extension]
    return ""


def block_type_for(name: str, content_type: str) -> str:
    """The media block ("image", "pdf", "audio", "video" or "file") that shows this file: any file
    may go in a file block, but an image block takes only images, and so on."""
    categories = categories_of_name(name) & categories_of_content_type(content_type)
    if content_type.split(";")[0].strip().lower() == "application/pdf":
        return "pdf"
    for block in ("image", "video", "audio"):
        if block in categories:
            return block
    return "file"


def block_takes(block_type: str, content_type: str) -> bool:
    """Whether a media block of this type can show an upload of this content type."""
    if block_type not in MEDIA_BLOCKS:
        return False
    wanted = MEDIA_BLOCKS[block_type]
    if wanted is None:
        return True
    if block_type == "pdf":
        return content_type.split(";")[0].strip().lower() == "application/pdf"
    return bool(wanted & categories_of_content_type(content_type))


# The types of a database view ("View": supported view types), and the property types a board may be
# grouped by here (the group-by configurations of "Create a view" that the app and its sandbox know).
VIEW_TYPES = (
    "table",
    "board",
    "calendar",
    "timeline",
    "gallery",
    "list",
    "form",
    "chart",
    "map",
    "dashboard",
)
BOARD_GROUP_TYPES = frozenset({"select", "multi_select", "status"})
