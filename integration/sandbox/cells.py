"""A page property's value as the sandbox viewer shows it, as Notion would: numbers in their
column's format, dates, coloured options, links and files.

The shapes are those of Notion's API reference "Page properties" (the value) and "Data source
properties" (the column, with `number.format`); a files item is `{"name", "type": "file",
"file": {"url", "expiry_time"}}` or `{"name", "type": "external", "external": {"url"}}`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from integration.notion.limits import COLORS
from integration.templatetags.notion_text import safe_link, safe_source

# The symbol each currency format of integration.notion.columns.NUMBER_FORMATS is shown with.
CURRENCY_SYMBOLS = {
    "dollar": "$", "australian_dollar": "A$", "canadian_dollar": "CA$", "singapore_dollar": "S$",
    "euro": "€", "pound": "£", "yen": "¥", "ruble": "₽", "rupee": "₹", "won": "₩", "yuan": "CN¥",
    "real": "R$", "lira": "₺", "rupiah": "Rp", "franc": "CHF ", "hong_kong_dollar": "HK$",
    "new_zealand_dollar": "NZ$", "krona": "kr ", "norwegian_krone": "kr ", "mexican_peso": "MX$",
    "rand": "R ", "new_taiwan_dollar": "NT$", "danish_krone": "kr. ", "zloty": "zł ", "baht": "฿",
    "forint": "Ft ", "koruna": "Kč ", "shekel": "₪", "chilean_peso": "CLP$", "philippine_peso": "₱",
    "dirham": "AED ", "colombian_peso": "COL$", "riyal": "SAR ", "ringgit": "RM ", "leu": "lei ",
    "argentine_peso": "ARS$", "uruguayan_peso": "$U ", "peruvian_sol": "S/ ",
}  # fmt: skip
WHOLE_CURRENCIES = frozenset({"yen", "won", "rupiah", "chilean_peso", "colombian_peso"})
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".avif")


def _grouped(number: float, *, commas: bool) -> str:
    """A number with as many decimals as it has (float noise rounded off), grouped by thousands."""
    rounded = round(number, 8)
    if rounded == int(rounded):
        return f"{int(rounded):,}" if commas else str(int(rounded))
    return f"{rounded:,}" if commas else str(rounded)


def format_number(number: int | float, number_format: str = "number") -> str:
    """`number` as Notion shows it in a column of `number_format`: 1234.5 as "1,234.5" with
    commas, 0.25 as "25%", 1234.5 as "$1,234.50" in dollars."""
    if number_format == "number_with_commas":
        return _grouped(number, commas=True)
    if number_format == "percent":
        return f"{_grouped(number * 100, commas=False)}%"
    symbol = CURRENCY_SYMBOLS.get(number_format)
    if symbol is None:
        return _grouped(number, commas=False)
    decimals = 0 if number_format in WHOLE_CURRENCIES else 2
    sign = "-" if number < 0 else ""
    return f"{sign}{symbol}{abs(number):,.{decimals}f}"


def format_when(value: Any) -> str:
    """An ISO date ("24 Dec 2026") or date and time ("24 Dec 2026, 10:30 UTC") as a reader says it."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        if len(value) == 10:
            return date.fromisoformat(value).strftime("%-d %b %Y")
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    zone = moment.strftime(" %Z") if moment.tzinfo else ""
    return moment.strftime("%-d %b %Y, %H:%M") + zone


def file_name(url: str, name: Any = None) -> str:
    """The name a file is shown by: its own, or the last segment of its URL's path."""
    if isinstance(name, str) and name.strip():
        return name
    path = urlsplit(url).path.rstrip("/")
    return unquote(path.rsplit("/", 1)[-1]) or url


@dataclass
class Link:
    href: str
    text: str
    image: bool = False


@dataclass
class Cell:
    """What the template draws for one value: `kind` says which of the other fields it uses."""

    kind: str  # text, rich_text, chips, checkbox, links, empty
    text: str = ""
    rich_text: list = field(default_factory=list)
    chips: list[tuple[str, str]] = field(default_factory=list)  # (name, colour class or "")
    checked: bool = False
    links: list[Link] = field(default_factory=list)


EMPTY = Cell("empty")


def _chip(option: Any) -> tuple[str, str] | None:
    if not isinstance(option, dict) or not isinstance(option.get("name"), str):
        return None
    color = option.get("color")
    return option["name"], color if color in COLORS and color != "default" else ""


def _person(user: Any) -> str:
    if not isinstance(user, dict):
        return ""
    return str(user.get("name") or f"user {str(user.get('id', ''))[:8]}")


def _file_link(item: Any) -> Link | None:
    if not isinstance(item, dict):
        return None
    kind = item.get("type") if item.get("type") in ("file", "external", "file_upload") else "external"
    held = item.get(kind)
    held = held if isinstance(held, dict) else {}
    url = safe_source(held.get("url"))
    if not url:
        return None
    name = file_name(url, item.get("name"))
    image = urlsplit(url).path.lower().endswith(IMAGE_SUFFIXES)
    return Link(href=url, text=name, image=image)


def property_cell(value: Any, column: dict | None = None) -> Cell:
    """The cell of a page property `value` (`{"type": kind, kind: ...}`) in its `column`."""
    if not isinstance(value, dict):
        return EMPTY
    kind = value.get("type", "")
    held = value.get(kind)
    if kind == "checkbox":
        return Cell("checkbox", checked=held is True)
    if held is None or held == [] or held == "":
        return EMPTY
    if kind in ("title", "rich_text"):
        return Cell("rich_text", rich_text=held)
    if kind == "number" and isinstance(held, int | float) and not isinstance(held, bool):
        number_format = ((column or {}).get("number") or {}).get("format", "number")
        return Cell("text", text=format_number(held, number_format))
    if kind in ("select", "status", "multi_select"):
        chips = [chip for chip in map(_chip, held if isinstance(held, list) else [held]) if chip]
        return Cell("chips", chips=chips)
    if kind == "date" and isinstance(held, dict):
        ends = [format_when(held.get(key)) for key in ("start", "end") if held.get(key)]
        return Cell("text", text=" → ".join(ends))
    if kind in ("created_time", "last_edited_time"):
        return Cell("text", text=format_when(held))
    if kind in ("people", "created_by", "last_edited_by"):
        people = [_person(user) for user in (held if isinstance(held, list) else [held])]
        return Cell("text", text=", ".join(person for person in people if person))
    if kind in ("url", "email", "phone_number") and isinstance(held, str):
        href = {"url": held, "email": f"mailto:{held}", "phone_number": f"tel:{held}"}[kind]
        shown = safe_link(href) if kind != "phone_number" else href.replace(" ", "")
        return Cell("links", links=[Link(href=shown, text=held)]) if shown else Cell("text", text=held)
    if kind == "files" and isinstance(held, list):
        return Cell("links", links=[link for link in map(_file_link, held) if link])
    if kind == "formula" and isinstance(held, dict):
        inner = held.get(held.get("type", ""))
        return Cell("text", text="" if inner is None else str(inner))
    if kind == "unique_id" and isinstance(held, dict):
        prefix = f"{held['prefix']}-" if held.get("prefix") else ""
        return Cell("text", text=f"{prefix}{held.get('number', '')}")
    if kind == "relation" and isinstance(held, list):
        return Cell("text", text=f"{len(held)} linked page{'s' if len(held) != 1 else ''}")
    return Cell("text", text=str(held))
