"""Overhead figure: what the app itself costs per form submission, against the floor of the same
calls made directly with notion-client, to a fake Notion that answers at once.

    .venv/bin/python -m bench.overhead [--submissions 300] [--database postgres|sqlite]
        [--paths in-place,page] [--latency-ms 0] [--profile FILE]

Each of the four forms is sent `--submissions` times through the whole app under gunicorn
(gunicorn.conf.py with 1 worker and 1 thread, so that everything is serial): logged in, the
home page read for the CSRF token and the one-time key, the form posted as the page's script
posts it, validated, paced (NOTION_RATE_LIMIT and NOTION_RATE_BURST at their maximum, 100, so
that no request waits for its turn), audited. Between the app's submissions, in the same run,
the same request is made directly with notion-client, no Django, to the same fake. Prints per
form the app's time per submission and the direct call's (p50/p95), the app's own cost (their
difference), the audit rows written per submission and the own cost per row, and the ratio; and
the worker's RSS after all the submissions. Writes the figures to bench/results/.

Two paths are timed, each submission sent once by each: `in-place`, as the page's script posts
(the answer is the form's section, drawn in place), and `page`, as a browser without JavaScript
(the post, its redirect, and the home page it leads to). `--latency-ms`: the fake Notion takes
this long to answer each request (the app's and the direct ones alike), for the end-to-end
ratio. `--profile FILE`: the worker runs under cProfile (bench/gunicorn_profiled.py) and writes
its figures to FILE.<pid> when it stops (read them with `python -m pstats`).

PostgreSQL: the server at 127.0.0.1:5432, database notionforms_bench_overhead (recreated).
SQLite: a fresh file in a temporary folder.
"""

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import httpx
import notion_client
import psycopg

from bench.app import (
    ROOT,
    TOKEN,
    filled_form,
    gunicorn,
    log_in,
    ms,
    percentile,
    prepare,
    production_env,
    worker_rss_mb,
)
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import served

ACTIONS = ["database", "page", "content", "comment"]
FORM_PATHS = ["in-place", "page"]
PATHS = {"database": "/databases/", "page": "/pages/", "content": "/content/", "comment": "/comments/"}
HEADLINES = {"database": "created", "page": "added", "content": "blocks added", "comment": "Comment added"}
SERVER = "postgresql://postgres@127.0.0.1:5432"
BENCH_DATABASE = "notionforms_bench_overhead"
RATE = 100  # the most NOTION_RATE_LIMIT allows
WARM_UP = 5  # submissions of each form before timing starts: imports, first queries, caches


def text(content: str) -> list[dict]:
    return [{"type": "text", "text": {"content": content}}]


def paragraph(words: str) -> dict:
    return {"object": "block", "type": "paragraph", "paragraph": {"rich_text": text(words)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300, help="of each form")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--paths", default=",".join(FORM_PATHS), help="in-place, page, or both")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="the fake Notion's time to answer")
    parser.add_argument("--profile", help="run the worker under cProfile, its figures to this file")
    args = parser.parse_args()
    form_paths = [path for path in FORM_PATHS if path in args.paths.split(",")]

    sandbox = NotionSandbox(token=TOKEN, latency=args.latency_ms / 1000)  # no rate limit
    parent = sandbox.add_page("Bench space")
    database = sandbox.create_database(
        body={"parent": {"page_id": parent["id"]}, "title": text("Bench")}, query={}
    )
    source_id = database["data_sources"][0]["id"]
    page = sandbox.add_page("Bench page")
    arrivals: list[float] = []  # the app's requests and the direct ones
    stack = ExitStack()
    notion_url = stack.enter_context(served(sandbox, arrivals))

    if args.database == "postgres":
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as db:
            db.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
            db.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        database_url = f"postgres://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
    else:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        database_url = f"sqlite:///{folder}/db.sqlite3"
    env = production_env(
        database_url=database_url,
        notion_url=notion_url,
        page_id=parent["id"],
        NOTION_RATE_LIMIT=str(RATE),
        NOTION_RATE_BURST=str(RATE),
    )
    prepare(env, ["overhead"])
    config = "gunicorn.conf.py"
    if args.profile:
        env["BENCH_PROFILE"] = str(Path(args.profile).resolve())
        config = "bench/gunicorn_profiled.py"

    fields = {
        "database": lambda n: {"name": f"Bench database {n}"},
        "page": lambda n: {"data_source_id": source_id, "name": f"Bench page {n}", "header": "Heading"},
        "content": lambda n: {
            "page_id": page["id"],
            "format": "markdown",
            "content": f"Paragraph one of {n}.\n\nParagraph two.",
        },
        "comment": lambda n: {"page_id": page["id"], "comment": f"Comment {n}"},
    }
    direct = notion_client.Client(auth=TOKEN, base_url=notion_url, retry=False)
    calls: dict[str, Callable[[int], object]] = {
        "database": lambda n: direct.databases.create(
            parent={"type": "page_id", "page_id": parent["id"]},
            title=text(f"Bench database {n}"),
            initial_data_source={"properties": {"Name": {"title": {}}}},
        ),
        "page": lambda n: direct.pages.create(
            parent={"type": "data_source_id", "data_source_id": source_id},
            properties={"Name": {"title": text(f"Bench page {n}")}},
            children=[{"object": "block", "type": "heading_2", "heading_2": {"rich_text": text("Heading")}}],
        ),
        "content": lambda n: direct.blocks.children.append(
            page["id"], children=[paragraph(f"Paragraph one of {n}."), paragraph("Paragraph two.")]
        ),
        "comment": lambda n: direct.comments.create(
            parent={"page_id": page["id"]}, rich_text=text(f"Comment {n}")
        ),
    }

    app_times = {(path, action): [] for path in form_paths for action in ACTIONS}
    direct_times: dict[str, list[float]] = {action: [] for action in ACTIONS}
    began = time.time()
    served_app = gunicorn(env, workers=1, threads=1, config=config)
    with served_app as (base, server), httpx.Client(base_url=base, timeout=60) as client:
        log_in(client, "overhead")

        def send(path: str, action: str, n: int) -> float:
            data = filled_form(client, action, fields[action](n))
            if path == "in-place":
                started = time.perf_counter()
                answer = client.post(PATHS[action], data=data, headers={"X-Requested-With": "fetch"})
            else:
                started = time.perf_counter()
                redirect = client.post(PATHS[action], data=data)
                assert redirect.status_code == 302, redirect.text[:500]
                answer = client.get(redirect.headers["Location"])
            took = time.perf_counter() - started
            assert answer.status_code == 200 and HEADLINES[action] in answer.text, answer.text[:500]
            return took

        def direct_call(action: str, n: int) -> float:
            started = time.perf_counter()
            calls[action](n)
            return time.perf_counter() - started

        for n in range(WARM_UP):
            for path in form_paths:
                for action in ACTIONS:
                    send(path, action, n)
                    direct_call(action, n)
        rss_after_warm_up = worker_rss_mb(server.pid)
        for n in range(WARM_UP, WARM_UP + args.submissions):
            for path in form_paths:
                for action in ACTIONS:
                    app_times[path, action].append(send(path, action, n))
                    direct_times[action].append(direct_call(action, n))
        sent = len(form_paths) * len(ACTIONS) * (WARM_UP + args.submissions)
        rss = worker_rss_mb(server.pid)
    elapsed = time.time() - began
    direct.close()
    rows, succeeded, sent_at = audit_figures(args.database, database_url)
    stack.close()  # the fake Notion, and the SQLite folder
    forms: dict[str, dict[str, dict]] = {path: {} for path in form_paths}
    for path, action in app_times:
        app, floor = app_times[path, action], direct_times[action]
        own_p50 = statistics.median(app) - statistics.median(floor)
        own_p95 = percentile(app, 0.95) - percentile(floor, 0.95)
        per_submission = rows[action] / (len(form_paths) * (WARM_UP + args.submissions))
        forms[path][action] = {
            "app_p50_ms": ms(statistics.median(app)),
            "app_p95_ms": ms(percentile(app, 0.95)),
            "direct_p50_ms": ms(statistics.median(floor)),
            "direct_p95_ms": ms(percentile(floor, 0.95)),
            "own_p50_ms": ms(own_p50),
            "own_p95_ms": ms(own_p95),
            "audit_rows": rows[action],
            "audit_rows_per_submission": round(per_submission, 3),
            "own_p50_ms_per_audit_row": ms(own_p50 / per_submission),
            "ratio_p50": round(statistics.median(app) / statistics.median(floor), 3),
            "succeeded": succeeded[action],
        }
    report = {
        "database": args.database,
        "submissions_per_form": args.submissions,
        "notion_latency_ms": args.latency_ms,
        "warm_up_per_form": WARM_UP,
        "gunicorn": {"workers": 1, "threads": 1},
        "notion_rate_limit": RATE,
        "notion_requests": len(arrivals),
        # The burst the app's requests needed at RATE: above RATE (the burst), some waited for a turn.
        "app_burst_needed": round(burst_needed(sent_at, RATE), 1),
        "forms": forms,
        "worker_rss_mb_after_warm_up": rss_after_warm_up,
        "worker_rss_mb": rss,
        "worker_rss_after_submissions": sent,
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        "elapsed_s": round(elapsed, 1),
    }
    print(json.dumps(report, indent=2))
    print(table(report))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    name = f"overhead-{args.database}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    (results / name).write_text(json.dumps(report, indent=2))


def burst_needed(times: list[float], rate: float) -> float:
    """The smallest burst at `rate` that lets requests sent at these times through without waiting."""
    due = needed = 0.0
    for moment in sorted(times):
        due = max(due, moment) + 1 / rate
        needed = max(needed, (due - moment) * rate)
    return needed


def audit_figures(kind: str, database_url: str) -> tuple[dict[str, int], dict[str, int], list[float]]:
    """The audit rows written for each form's submissions, how many of those succeeded, and
    when each request to Notion was sent."""
    audit = (
        "SELECT s.action, count(r.id) FROM integration_formsubmission s "
        "LEFT JOIN integration_notionrequestlog r ON r.correlation_id = s.correlation_id GROUP BY s.action"
    )
    outcomes = (
        "SELECT action, count(*) FROM integration_formsubmission WHERE status = 'succeeded' GROUP BY action"
    )
    times = "SELECT created_at FROM integration_notionrequestlog"
    if kind == "postgres":
        with psycopg.connect(f"{SERVER}/{BENCH_DATABASE}") as db:
            sent_at = [row[0].timestamp() for row in db.execute(times)]
            return dict(db.execute(audit).fetchall()), dict(db.execute(outcomes).fetchall()), sent_at
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        sent_at = [datetime.fromisoformat(row[0]).timestamp() for row in db.execute(times)]
        return dict(db.execute(audit).fetchall()), dict(db.execute(outcomes).fetchall()), sent_at


def table(report: dict) -> str:
    head = (
        f"{'path':<9} {'form':<9} {'app p50/p95 ms':>15} {'direct p50/p95':>15} {'own p50/p95 ms':>15} "
        f"{'rows/sub':>8} {'own/row ms':>10} {'app/direct':>10}"
    )
    lines = [
        f"{report['database']}: {report['submissions_per_form']} submissions of each form by each path, "
        f"Notion answering in {report['notion_latency_ms']:g} ms, 1 gunicorn worker with 1 thread (serial), "
        f"load {' '.join(report['loadavg'])}",
        head,
    ]
    for path, forms in report["forms"].items():
        for action, f in forms.items():
            lines.append(
                f"{path:<9} {action:<9} {f['app_p50_ms']:>7.2f}/{f['app_p95_ms']:<7.2f} "
                f"{f['direct_p50_ms']:>7.2f}/{f['direct_p95_ms']:<7.2f} "
                f"{f['own_p50_ms']:>7.2f}/{f['own_p95_ms']:<7.2f} "
                f"{f['audit_rows_per_submission']:>8.2f} {f['own_p50_ms_per_audit_row']:>10.2f} "
                f"{f['ratio_p50']:>9.3f}x"
            )
    lines.append(
        f"worker RSS after {report['worker_rss_after_submissions']} submissions: "
        f"{report['worker_rss_mb']} MB (after warm-up: {report['worker_rss_mb_after_warm_up']} MB)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
