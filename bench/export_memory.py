"""Export memory figure: the peak RSS of `manage.py export_request_log` over 10,000 rows, then over N.

    .venv/bin/python -m bench.export_memory [--rows 1000000] [--baseline 10000] [--sqlite FILE]

Fills the request history with bulk_create (bodies of 1–2 KB, 90 days, mixed operations and
outcomes) in a database of its own: PostgreSQL at 127.0.0.1:5432, database
notionforms_bench_export (recreated), or the SQLite file given with --sqlite (recreated). On
PostgreSQL, the rows past --baseline are copies of those made on the server, with new IDs and
times (INSERT … SELECT): bulk_create takes over half an hour for a million on a busy machine. Then
each export, CSV and JSON Lines, runs as a new process writing to /dev/null, first with no rows
(the floor: Django loaded), then over --baseline rows, then over --rows rows. Prints, and writes
to bench/results/, each run's peak RSS (the kernel's ru_maxrss of that process), its time and its
rows a second. Target: flat, the peak over --rows within a few MB of the peak over --baseline.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"
DATABASE = "notionforms_bench_export"
BATCH = 5000

OPERATIONS = [
    ("pages.create", "POST", "pages"),
    ("blocks.children.append", "PATCH", "blocks/{id}/children"),
    ("data_sources.query", "POST", "data_sources/{id}/query"),
    ("comments.create", "POST", "comments"),
    ("search", "POST", "search"),
    ("pages.retrieve", "GET", "pages/{id}"),
]
OUTCOMES = (
    [(200, "success")] * 90
    + [(429, "client_error")] * 5
    + [(502, "server_error")] * 3
    + [(None, "no_response")] * 2
)


def fresh_database(sqlite: str) -> str:
    if sqlite:
        Path(sqlite).unlink(missing_ok=True)
        return f"sqlite:///{Path(sqlite).resolve()}"
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {DATABASE}")
    return f"{POSTGRES}/{DATABASE}"


def app_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "notionforms.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only-secret-key",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "NOTION_KEY": "ntn_bench_secret",
        "LOG_LEVEL": "WARNING",
    }


def body(words: int) -> str:
    """A pretty JSON body of about 1–2 KB, shaped like a page with a paragraph of `words` words."""
    text = " ".join(random.choice(["plan", "report", "notes", "draft", "review", "Q4"]) for _ in range(words))
    page = {
        "object": "page",
        "id": str(uuid.uuid4()),
        "parent": {"type": "data_source_id", "data_source_id": str(uuid.uuid4())},
        "properties": {"Name": {"title": [{"type": "text", "text": {"content": text[:80]}}]}},
        "children": [
            {"type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": text}}]}},
        ],
    }
    return json.dumps(page, indent=2)


def fill(count: int, bodies: list[str]) -> float:
    """Add `count` rows to the history; the seconds it took."""
    from django.utils import timezone

    from integration.models import NotionRequestLog

    began = time.monotonic()
    now = timezone.now()
    headers = {
        "authorization": "Bearer ***",
        "notion-version": "2025-09-03",
        "content-type": "application/json",
        "user-agent": "notion-client/3.1.0",
    }
    answer_headers = {"content-type": "application/json; charset=utf-8", "x-request-id": ""}
    done = 0
    while done < count:
        rows = []
        for _ in range(min(BATCH, count - done)):
            operation, method, path = random.choice(OPERATIONS)
            status, outcome = random.choice(OUTCOMES)
            object_id = str(uuid.uuid4())
            created = now - timedelta(seconds=random.uniform(0, 90 * 86400))
            rows.append(
                NotionRequestLog(
                    created_at=created,
                    operation=operation,
                    method=method,
                    url=f"https://api.notion.com/v1/{path.format(id=object_id)}",
                    request_headers=headers,
                    request_body=random.choice(bodies) if method != "GET" else "",
                    status=status,
                    outcome=outcome,
                    response_headers=answer_headers if status else {},
                    response_body=random.choice(bodies) if status else "",
                    duration_ms=random.randint(80, 900),
                    finished_at=created + timedelta(milliseconds=300),
                    attempt=1,
                    correlation_id=uuid.uuid4(),
                    request_id=str(uuid.uuid4()) if status else "",
                    object_id=object_id,
                    username="ada",
                    source="web",
                )
            )
        NotionRequestLog.objects.bulk_create(rows)
        done += len(rows)
        if done % 100_000 < BATCH:
            print(f"  {done:,} of {count:,} rows, {time.monotonic() - began:.0f} s", flush=True)
    return time.monotonic() - began


def copy_on_server(count: int) -> float:
    """Add `count` rows on the PostgreSQL server: copies of the rows there, with new IDs and times
    over 90 days; the seconds it took. Much faster than bulk_create on a busy machine."""
    from django.db import connections

    from integration.models import NotionRequestLog

    table = NotionRequestLog._meta.db_table
    fresh = {
        "created_at": "moment",
        "finished_at": "CASE WHEN finished_at IS NULL THEN NULL ELSE moment + interval '300 ms' END",
        "correlation_id": "gen_random_uuid()",
        "object_id": "gen_random_uuid()::text",
        "request_id": "CASE WHEN request_id = '' THEN '' ELSE gen_random_uuid()::text END",
    }
    columns = [field.column for field in NotionRequestLog._meta.concrete_fields if field.column != "id"]
    began = time.monotonic()
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        (seed,) = cursor.fetchone()
        done = 0
        while done < count:
            batch = min(100_000, count - done)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(fresh.get(column, column) for column in columns)} "
                f"FROM (SELECT *, now() - random() * interval '90 days' AS moment FROM {table} "
                f"ORDER BY id LIMIT {seed}) AS seed CROSS JOIN generate_series(1, {-(-batch // seed)}) "
                f"LIMIT {batch}"
            )
            done += batch
            print(f"  {done:,} of {count:,} rows, {time.monotonic() - began:.0f} s", flush=True)
    return time.monotonic() - began


# The export runs under a small Python of its own: a child's ru_maxrss counts what it inherited
# from its parent at fork, and this process holds the rows it filled.
MEASURED = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def export(env: dict[str, str], format: str, *extra: str) -> dict[str, Any]:
    """One export in a new process, to /dev/null: its peak RSS and time."""
    command = [sys.executable, str(ROOT / "manage.py"), "export_request_log", "--format", format, *extra]
    began = time.monotonic()
    measured = subprocess.run(
        [sys.executable, "-c", MEASURED, *command],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    took = time.monotonic() - began
    peak_kb = int(measured.stdout.split()[-1])
    return {"format": format, "peak_rss_mb": round(peak_kb / 1024, 1), "seconds": round(took, 1)}


def measure(env: dict[str, str], rows: int, *extra: str) -> list[dict[str, Any]]:
    runs = []
    for format in ("csv", "jsonl"):
        run = {"rows": rows, **export(env, format, *extra)}
        run["rows_per_s"] = round(rows / run["seconds"]) if rows else 0
        print(
            f"  {rows:>9,} rows  {format:5}  peak RSS {run['peak_rss_mb']:6.1f} MB  "
            f"{run['seconds']:7.1f} s  {run['rows_per_s']:,} rows/s",
            flush=True,
        )
        runs.append(run)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the long export")
    parser.add_argument("--baseline", type=int, default=10_000, help="rows of the short export")
    parser.add_argument("--sqlite", default="", metavar="FILE", help="use this SQLite file, not PostgreSQL")
    args = parser.parse_args()
    if not 0 < args.baseline < args.rows:
        parser.error("--baseline must be at least 1 and less than --rows")

    database_url = fresh_database(args.sqlite)
    env = app_env(database_url)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    random.seed(10)
    bodies = [body(words) for words in random.choices(range(80, 260), k=200)]
    sizes = sorted(len(one) for one in bodies)
    print(f"Database {database_url}; bodies of {sizes[0]:,}–{sizes[-1]:,} characters.", flush=True)

    print("Export of no rows (the floor):", flush=True)
    runs = measure(env, 0)
    print(f"Filling {args.baseline:,} rows…", flush=True)
    fill(args.baseline, bodies)
    runs += measure(env, args.baseline)
    print(f"Filling up to {args.rows:,} rows…", flush=True)
    # SQLite has no gen_random_uuid(): its rows all come from bulk_create.
    more = fill if args.sqlite else lambda count, _: copy_on_server(count)
    took = more(args.rows - args.baseline, bodies)
    print(f"  {(args.rows - args.baseline) / took:,.0f} rows/s", flush=True)
    with connections["default"].cursor() as cursor:
        cursor.execute("ANALYZE integration_notionrequestlog")
    runs += measure(env, args.rows)

    by_rows = {(run["rows"], run["format"]): run["peak_rss_mb"] for run in runs}
    for format in ("csv", "jsonl"):
        growth = by_rows[(args.rows, format)] - by_rows[(args.baseline, format)]
        print(f"{format}: peak RSS over {args.rows:,} rows minus over {args.baseline:,}: {growth:+.1f} MB")
    report = {"database": "sqlite" if args.sqlite else "postgresql", "runs": runs}
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (results / f"export-memory-{stamp}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
