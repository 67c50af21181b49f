"""Audit row figure: what recording one attempt in the request history costs, measured alone.

    .venv/bin/python -m bench.audit_row [--rows 2000] [--database sqlite|postgres]

One comment request (the form's own body, and Notion's answer as the sandbox gives it) is sent
`--rows` times through an `AuditTransport` over a transport that answers at once from memory, and
as many times through that transport alone, in turns. The difference is the cost of one history
row: masking, its INSERT before the request goes out and its UPDATE with the answer, each committed
on the audit connection. Prints p50/p95 of both and of the difference (target: ≤ 1 ms), and writes
them to bench/results/.

PostgreSQL: the server at 127.0.0.1:5432, database notionforms_bench_audit_row (recreated).
SQLite: a fresh file in a temporary folder, in WAL mode as the app runs it.
"""

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

from bench.app import ROOT, TOKEN, ms, percentile
from bench.importing import fresh_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="sqlite")
    args = parser.parse_args()

    folder = tempfile.mkdtemp()
    if args.database == "postgres":
        database_url = fresh_database("notionforms_bench_audit_row").replace("postgresql:", "postgres:", 1)
    else:
        database_url = f"sqlite:///{folder}/db.sqlite3"
    os.environ.update(
        ENV_FILE="",
        DJANGO_SETTINGS_MODULE="notionforms.settings",
        DATABASE_URL=database_url,
        SECRET_KEY="bench-only-secret-key",
        DEBUG="false",
        NOTION_KEY=TOKEN,
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from integration.http.audit import AuditContext, AuditTransport
    from integration.models import NotionRequestLog, Source
    from integration.notion.endpoints import operation_name
    from integration.sandbox.engine import NotionSandbox

    call_command("migrate", verbosity=0)

    sandbox = NotionSandbox(token=TOKEN)
    page = sandbox.add_page("Bench page")
    text = [{"type": "text", "text": {"content": "A comment"}}]
    body = {"parent": {"page_id": page["id"]}, "rich_text": text}

    def request() -> httpx.Request:
        return httpx.Request(
            "POST",
            "https://api.notion.com/v1/comments",
            json=body,
            headers={"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2025-09-03"},
        )

    answer = sandbox(request()).json()  # Notion's answer, field for field
    inner = httpx.MockTransport(lambda _: httpx.Response(200, json=answer))
    context = AuditContext(username="bench", source=Source.WEB)
    audited = AuditTransport(inner, context=context, name_operation=operation_name)

    def timed(transport: httpx.BaseTransport) -> float:
        sent = request()
        started = time.perf_counter()
        transport.handle_request(sent).read()
        return time.perf_counter() - started

    for _ in range(50):  # warm-up: imports, prepared statements, caches
        timed(audited), timed(inner)
    bare, with_row = [], []
    for _ in range(args.rows):
        with_row.append(timed(audited))
        bare.append(timed(inner))
    rows = NotionRequestLog.objects.count()
    own = [a - b for a, b in zip(with_row, bare, strict=True)]

    figures = {
        "database": args.database,
        "rows_timed": args.rows,
        "rows_in_table": rows,
        "bare_ms": {"p50": ms(statistics.median(bare)), "p95": ms(percentile(bare, 0.95))},
        "audited_ms": {"p50": ms(statistics.median(with_row)), "p95": ms(percentile(with_row, 0.95))},
        "per_row_ms": {"p50": ms(statistics.median(own)), "p95": ms(percentile(own, 0.95))},
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }
    out = ROOT / "bench" / "results" / f"audit-row-{args.database}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    print(
        f"{args.database}: one history row costs {figures['per_row_ms']['p50']} ms p50, "
        f"{figures['per_row_ms']['p95']} ms p95 ({args.rows} rows; target ≤ 1 ms)"
    )


if __name__ == "__main__":
    main()
