"""What the commands take from their command line, checked the same way by each of them."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import CommandError, OutputWrapper

from integration.ids import parse_notion_id
from integration.models import AuditContext
from integration.notion.errors import MAYBE_DONE, NotionError
from integration.notion.files import FileRefused
from integration.notion.limits import TEXT_LIMIT


def full_address(href: str) -> str:
    """`href` as a command prints it: a path of the app (a sandbox view, a job's page) after
    APP_URL, for a terminal or a script to open; a link elsewhere (to Notion) as it is."""
    if href.startswith("/"):
        return settings.APP_URL.rstrip("/") + href
    return href


def one_line(message: str) -> str:
    """`message` on one line, as a command's error is printed."""
    return " ".join(message.split())


def database_title(raw: str) -> str:
    """A new database's title, or the error that says why it can't be one."""
    title = raw.strip()
    if not title:
        raise CommandError("The title is empty.")
    if len(title) > TEXT_LIMIT:
        raise CommandError(f"The title has {len(title)} characters; Notion takes at most {TEXT_LIMIT}.")
    return title


def parent_page(raw: str) -> str:
    """The page ID in `--parent` ("" when not given: NOTION_PAGE_ID is used)."""
    if not raw:
        return ""
    parent = parse_notion_id(raw)
    if parent is None:
        raise CommandError(f"--parent is neither a Notion page ID nor a Notion link: {raw!r}.")
    return parent


def data_source_id(raw: str) -> str:
    """The data source (or database) ID in `--data-source`."""
    found = parse_notion_id(raw)
    if found is None:
        raise CommandError(f"--data-source is neither a Notion ID nor a Notion link: {raw!r}.")
    return found


@contextmanager
def sending(context: AuditContext, stderr: OutputWrapper) -> Iterator[None]:
    """Requests to Notion as a command sends them: a failure (or a file Notion would refuse) is the
    command's one-line error; Ctrl-C exits 130, saying it may have been done and where its
    requests are."""
    try:
        yield
    except (NotionError, FileRefused) as error:
        raise CommandError(one_line(str(error))) from None
    except KeyboardInterrupt:
        stderr.write(
            f"Interrupted.{MAYBE_DONE} Its requests are in the history under {context.correlation_id}."
        )
        raise SystemExit(130) from None
