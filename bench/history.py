"""History figure: the admin's request history at a million rows, against Django's default ModelAdmin.

    .venv/bin/python -m bench.history [--rows 1000000] [--database postgres|sqlite] [--runs 7] [--reuse]

Fills its own database (PostgreSQL database notionforms_bench_history at 127.0.0.1:5432, recreated,
or the SQLite file bench/results/history.sqlite3) with `--rows` realistic attempts (bodies of 1–2 KB
shaped like Notion's, 90 days, mixed operations, outcomes and sources), or keeps the one there with
`--reuse`. Then times each view of the history with Django's test client logged in as staff (p50 of
`--runs`), the same view of a plain ModelAdmin over the same rows, and their ratio; and prints the
query plans of the history's queries (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite,
no ANALYZE run beforehand) with any full scan of the table called out. Writes bench/results/.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POSTGRES = "postgres://postgres@127.0.0.1:5432/notionforms_bench_history"
SQLITE_FILE = RESULTS / "history.sqlite3"
TABLE = "integration_notionrequestlog"
HISTORY = "/admin/integration/notionrequestlog/"
DEFAULT = "/admin/integration/defaultadminlog/"

# (operation, method, path, has a request body, share of the rows)
OPERATIONS = [
    ("pages.create", "POST", "pages", True, 0.35),
    ("blocks.children.append", "PATCH", "blocks/{object}/children", True, 0.22),
    ("data_sources.query", "POST", "data_sources/{parent}/query", True, 0.10),
    ("data_sources.retrieve", "GET", "data_sources/{parent}", False, 0.06),
    ("comments.create", "POST", "comments", True, 0.06),
    ("comments.list", "GET", "comments", False, 0.05),
    ("blocks.children.list", "GET", "blocks/{object}/children", False, 0.05),
    ("pages.retrieve", "GET", "pages/{object}", False, 0.04),
    ("search", "POST", "search", True, 0.03),
    ("databases.create", "POST", "databases", True, 0.02),
    ("blocks.delete", "DELETE", "blocks/{object}", False, 0.01),
    ("users.me", "GET", "users/me", False, 0.01),
]
OUTCOMES = [
    ("success", 200, 0.93),
    ("client_error", 404, 0.04),
    ("server_error", 502, 0.02),
    ("no_response", None, 0.01),
]
SOURCES = [("job", 0.6), ("web", 0.3), ("command", 0.08), ("other", 0.02)]
SENTENCE = (
    "the quarterly review notes list each open item with its owner and a date for the next step "
    "imported rows keep their key so a second run finds what the first one added"
)


def environment(database: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "notionforms.settings",
            "ENV_FILE": "",
            "DATABASE_URL": POSTGRES if database == "postgres" else f"sqlite:///{SQLITE_FILE}",
            "SECRET_KEY": "bench-only-secret-key",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "LOG_LEVEL": "WARNING",
        }
    )


def recreate(database: str) -> None:
    if database == "sqlite":
        RESULTS.mkdir(exist_ok=True)
        SQLITE_FILE.unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS notionforms_bench_history WITH (FORCE)")
        db.execute("CREATE DATABASE notionforms_bench_history")


def _text(rng: random.Random, words: int) -> str:
    vocabulary = SENTENCE.split(" ")
    return " ".join(rng.choice(vocabulary) for _ in range(words)).capitalize() + "."


def _rich_text(text: str) -> list[dict]:
    return [
        {
            "type": "text",
            "text": {"content": text, "link": None},
            "annotations": {
                "bold": False,
                "italic": False,
                "strikethrough": False,
                "underline": False,
                "code": False,
                "color": "default",
            },
            "plain_text": text,
            "href": None,
        }
    ]


def _page(text: str) -> dict:
    user = {"object": "user", "id": "5b8183bd-8984-4417-b2a6-7dc8e439e679"}
    return {
        "object": "page",
        "id": "@OBJECT@",
        "created_time": "2026-10-05T10:53:00.000Z",
        "last_edited_time": "2026-10-05T10:53:00.000Z",
        "created_by": user,
        "last_edited_by": user,
        "cover": None,
        "icon": None,
        "parent": {"type": "data_source_id", "data_source_id": "@PARENT@"},
        "archived": False,
        "in_trash": False,
        "is_locked": False,
        "properties": {
            "Name": {"id": "title", "type": "title", "title": _rich_text(text)},
            "Import key": {"id": "%3DkQ", "type": "rich_text", "rich_text": _rich_text("@OBJECT@")[:1]},
        },
        "url": "https://www.notion.so/@OBJECT@",
        "public_url": None,
        "request_id": "@REQUEST@",
    }


def _paragraphs(rng: random.Random, count: int) -> list[dict]:
    return [
        {"object": "block", "type": "paragraph", "paragraph": {"rich_text": _rich_text(_text(rng, 12))[:1]}}
        for _ in range(count)
    ]


def body_templates(rng: random.Random) -> dict[str, list[tuple[str | None, str]]]:
    """Per operation, a few (request body, response body) texts, @OBJECT@, @PARENT@, @REQUEST@ to fill."""
    error = {
        "object": "error",
        "status": 404,
        "code": "object_not_found",
        "message": "Could not find page with ID: @OBJECT@. Make sure the relevant pages and databases "
        "are shared with your integration.",
        "request_id": "@REQUEST@",
    }
    templates = {}
    for operation, _, _, has_body, _ in OPERATIONS:
        variants = []
        for _ in range(8):
            title = _text(rng, rng.randint(3, 9))
            request: dict | None = None
            if operation == "pages.create":
                request = {
                    "parent": {"data_source_id": "@PARENT@"},
                    "properties": {
                        "Name": {"title": _rich_text(title)[:1]},
                        "Notes": _rich_text(_text(rng, 40)),
                    },
                    "children": _paragraphs(rng, rng.randint(2, 5)),
                }
                response = _page(title)
            elif operation in ("blocks.children.append", "blocks.children.list"):
                children = _paragraphs(rng, rng.randint(4, 8))
                request = {"children": children} if operation == "blocks.children.append" else None
                response = {
                    "object": "list",
                    "results": [{**block, "id": "@OBJECT@", "has_children": False} for block in children[:4]],
                    "next_cursor": None,
                    "has_more": False,
                    "type": "block",
                    "block": {},
                    "request_id": "@REQUEST@",
                }
            elif operation in ("data_sources.query", "search"):
                request = {"filter": {"property": "Import key", "rich_text": {"equals": "@OBJECT@"}}}
                response = {
                    "object": "list",
                    "results": [_page(title)],
                    "next_cursor": None,
                    "has_more": False,
                }
            elif operation == "comments.create":
                request = {"parent": {"page_id": "@PARENT@"}, "rich_text": _rich_text(_text(rng, 30))}
                response = {"object": "comment", "id": "@OBJECT@", "rich_text": request["rich_text"]}
            else:
                request = (
                    {"parent": {"page_id": "@PARENT@"}, "title": _rich_text(title)} if has_body else None
                )
                response = {**_page(title), "object": operation.split(".")[0].rstrip("s")}
            variants.append(
                (
                    json.dumps(request, separators=(",", ":")) if request is not None else None,
                    json.dumps(response, separators=(",", ":")),
                )
            )
        templates[operation] = variants
    templates["error"] = [(None, json.dumps(error, separators=(",", ":")))]
    return templates


def _pick(rng: random.Random, choices: list[tuple]) -> tuple:
    point, total = rng.random(), 0.0
    for choice in choices:
        total += choice[-1]
        if point < total:
            return choice
    return choices[-1]


ERRORS = {
    200: ("", ""),
    404: ("object_not_found", "Could not find page."),
    502: ("http_502", "The answer is not Notion's JSON."),
    None: ("ReadTimeout", "The read operation timed out"),
}


def _moment(value: datetime, sqlite: bool) -> datetime | str:
    # SQLite keeps Django's datetimes as text, in UTC.
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value


def generate_rows(count: int, *, sqlite: bool, seed: int = 10):
    """The rows in time order over the last 90 days, as tuples of COLUMNS."""
    rng = random.Random(seed)
    templates = body_templates(rng)
    now = datetime.now(UTC)
    start = now - timedelta(days=90)
    step = (now - start) / count
    parents = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(200)]
    request_headers = json.dumps(
        {"authorization": "Bearer ***", "notion-version": "2025-09-03", "content-type": "application/json"}
    )
    correlation, attempt = uuid.uuid4(), 1
    for n in range(count):
        created = start + step * n
        operation, method, path, _, _ = _pick(rng, OPERATIONS)
        outcome, status, _ = _pick(rng, OUTCOMES)
        source = _pick(rng, SOURCES)[0]
        if attempt > 1 or rng.random() < 0.4:  # a new action, or one more attempt of the last one
            correlation, attempt = uuid.UUID(int=rng.getrandbits(128), version=4), 1
        else:
            attempt += 1
        object_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        parent_id = rng.choice(parents)
        request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if status else ""
        request_body, response_body = rng.choice(templates[operation if status == 200 else "error"])
        if status == 200:
            request_body = rng.choice(templates[operation])[0]
        if request_body is None and operation in ("pages.create", "comments.create"):
            request_body = templates[operation][0][0]
        fill = {"@OBJECT@": object_id, "@PARENT@": parent_id, "@REQUEST@": request_id}
        if request_body:
            for mark, value in fill.items():
                request_body = request_body.replace(mark, value)
        if status:
            for mark, value in fill.items():
                response_body = response_body.replace(mark, value)
        else:
            response_body = None
        response_headers = (
            json.dumps({"content-type": "application/json; charset=utf-8", "x-request-id": request_id})
            if status
            else "{}"
        )
        duration = rng.randint(80, 900) if status else 30000
        url = "https://api.notion.com/v1/" + path.format(object=object_id, parent=parent_id)
        error_code, error_message = ERRORS[status]
        finished = created + timedelta(milliseconds=duration)
        yield (
            _moment(created, sqlite),
            operation,
            method,
            url,
            request_headers,
            request_body,
            False,
            status,
            outcome,
            response_headers,
            response_body,
            False,
            duration,
            _moment(finished, sqlite),
            attempt,
            correlation.hex if sqlite else correlation,
            error_code,
            error_message,
            request_id,
            object_id,
            parent_id if request_body and parent_id in request_body else "",
            f"user{n % 7}",
            source,
            rng.random() < 0.1,
        )


COLUMNS = [
    "created_at",
    "operation",
    "method",
    "url",
    "request_headers",
    "request_body",
    "request_body_truncated",
    "status",
    "outcome",
    "response_headers",
    "response_body",
    "response_body_truncated",
    "duration_ms",
    "finished_at",
    "attempt",
    "correlation_id",
    "error_code",
    "error_message",
    "request_id",
    "object_id",
    "parent_id",
    "username",
    "source",
    "sandbox",
]


def fill(count: int, database: str) -> float:
    """Insert `count` rows; returns the seconds it took."""
    from django.db import connection, transaction

    started = time.monotonic()
    rows = generate_rows(count, sqlite=database == "sqlite")
    if database == "postgres":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {TABLE} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for n, row in enumerate(rows, 1):
                    copy.write_row(row)
                    if n % 100_000 == 0:
                        print(f"  {n:,} rows, {time.monotonic() - started:.0f} s", flush=True)
            cursor.execute(f"VACUUM ANALYZE {TABLE}")
    else:
        insert = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        batch: list[tuple] = []
        for n, row in enumerate(rows, 1):
            batch.append(row)
            if len(batch) == 20_000 or n == count:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(insert.replace("?", "%s"), batch)
                batch = []
            if n % 100_000 == 0:
                print(f"  {n:,} rows, {time.monotonic() - started:.0f} s", flush=True)
    return time.monotonic() - started


def register_default_admin() -> None:
    """Django's own ModelAdmin over the same table, as a project would start with it."""
    from django.contrib import admin

    from integration.models import NotionRequestLog

    class DefaultAdminLog(NotionRequestLog):
        class Meta:
            proxy = True
            app_label = "integration"

    @admin.register(DefaultAdminLog)
    class DefaultLogAdmin(admin.ModelAdmin):
        list_display = [
            "created_at",
            "status",
            "operation",
            "method",
            "url",
            "duration_ms",
            "attempt",
            "username",
        ]
        list_filter = ["outcome", "operation", "source", "sandbox", "created_at"]
        search_fields = ["object_id", "parent_id", "request_id", "correlation_id"]


def views(sample: dict) -> list[tuple[str, dict, dict, str]]:
    """(name, the history's query, the default admin's query, path below the changelist)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    week = {
        "created_at__gte": str(today - timedelta(days=7)),
        "created_at__lt": str(today + timedelta(days=1)),
    }
    return [
        ("unfiltered list", {}, {}, ""),
        ("filter: outcome", {"outcome__exact": "client_error"}, {"outcome__exact": "client_error"}, ""),
        ("filter: operation", {"operation": "comments.create"}, {"operation__exact": "comments.create"}, ""),
        ("filter: source", {"source__exact": "command"}, {"source__exact": "command"}, ""),
        ("filter: answered by", {"answered_by": "sandbox"}, {"sandbox__exact": "1"}, ""),
        ("date drill-down (7 days)", {"date": "7d"}, week, ""),
        ("search: object id", {"q": sample["object_id"]}, {"q": sample["object_id"]}, ""),
        ("search: request id", {"q": sample["request_id"]}, {"q": sample["request_id"]}, ""),
        ("search: correlation id", {"q": sample["correlation_id"]}, {"q": sample["correlation_id"]}, ""),
        (
            "filter: one action",
            {"correlation_id": sample["correlation_id"]},
            {"q": sample["correlation_id"]},
            "",
        ),
        ("deep page (200)", {"p": "200"}, {"p": "200"}, ""),
        ("detail page", {}, {}, f"{sample['id']}/change/"),
    ]


def timed(client, path: str, params: dict, runs: int) -> float:
    """p50 in ms of `runs` answers, after one to warm up."""
    assert client.get(path, params).status_code == 200, path
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, params, response.status_code)
    return statistics.median(times)


def plans(client, path: str, params: dict, database: str) -> tuple[list[tuple[str, list[str], bool]], float]:
    """The history's queries on the table for one view: (SQL, plan lines, a full scan of the table),
    and the time the database took for them."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    audit = connections["audit"]
    with CaptureQueriesContext(audit) as queries:
        client.get(path, params)
    found, spent = [], 0.0
    for query in queries:
        sql = query["sql"]
        if TABLE not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        spent += float(query["time"]) * 1000
        with audit.cursor() as cursor:
            if database == "postgres":
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                lines = [row[0] for row in cursor.fetchall()]
                full = any(f"Seq Scan on {TABLE}" in line for line in lines)
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                lines = [row[-1] for row in cursor.fetchall()]
                full = any(line.startswith(f"SCAN {TABLE}") and "INDEX" not in line for line in lines)
        found.append((sql, lines, full))
    return found, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--runs", type=int, default=7, help="answers timed per view (p50 of them)")
    parser.add_argument("--default-runs", type=int, default=3, help="the same for the default ModelAdmin")
    parser.add_argument("--reuse", action="store_true", help="keep the rows already there")
    args = parser.parse_args()

    environment(args.database)
    if not args.reuse:
        recreate(args.database)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from integration.models import NotionRequestLog

    call_command("migrate", verbosity=0)
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="bench-static-")
    call_command("collectstatic", interactive=False, verbosity=0)
    filled = None
    if not args.reuse:
        print(f"Filling {args.rows:,} rows ({args.database})…", flush=True)
        filled = fill(args.rows, args.database)
        print(f"Filled in {filled:.0f} s ({args.rows / filled:,.0f} rows/s)", flush=True)
    rows = NotionRequestLog.objects.count()
    register_default_admin()
    staff = get_user_model().objects.filter(username="bench-staff").first()
    client = Client()
    client.force_login(staff or get_user_model().objects.create_superuser("bench-staff", password=None))
    middle = NotionRequestLog.objects.order_by("-id").values_list("id", flat=True)[0] - rows // 2
    sample = NotionRequestLog.objects.filter(pk__lte=middle, outcome="success").order_by("-pk").first()
    sample = {
        "id": sample.pk,
        "object_id": sample.object_id,
        "request_id": sample.request_id,
        "correlation_id": str(sample.correlation_id),
    }
    load = os.getloadavg()
    print(f"\n{rows:,} rows on {connection.vendor}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print(f"{'view':<28}{'history p50':>14}{'default p50':>14}{'ratio':>9}")
    figures = []
    for name, ours, theirs, below in views(sample):
        mine = timed(client, HISTORY + below, ours, args.runs)
        default = timed(client, DEFAULT + below, theirs, args.default_runs)
        figures.append({"view": name, "history_ms": round(mine, 1), "default_ms": round(default, 1)})
        print(f"{name:<28}{mine:>11.1f} ms{default:>11.1f} ms{default / mine:>8.1f}×", flush=True)

    print("\nQuery plans of the history's queries:")
    full_scans, database_ms = [], {}
    for name, ours, _, below in views(sample):
        found, spent = plans(client, HISTORY + below, ours, args.database)
        print(f"\n== {name}: {len(found)} queries on the table, {spent:.1f} ms in the database")
        database_ms[name] = round(spent, 1)
        for sql, lines, full in found:
            print(f"-- {sql[:300]}{'…' if len(sql) > 300 else ''}")
            for line in lines:
                print(f"   {line}")
            if full:
                full_scans.append(name)
                print("   !! a full scan of the table")
    print(f"\nFull scans: {', '.join(full_scans) if full_scans else 'none'}")
    report = {
        "database": connection.vendor,
        "rows": rows,
        "fill_s": round(filled, 1) if filled else None,
        "load_average": [round(value, 2) for value in load],
        "runs": args.runs,
        "figures": figures,
        "full_scans": full_scans,
        "history_database_ms": database_ms,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"history-{args.database}-{rows}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"Written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
