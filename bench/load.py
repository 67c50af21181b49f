"""Load figure: 100 concurrent form submissions to the app under gunicorn (gunicorn.conf.py,
4 workers), against a local fake Notion that enforces 3 requests a second and answers in ~100 ms.

    .venv/bin/python -m bench.load [--submissions 100] [--workers 4] [--redis]

Prints, and writes to bench/results/: completed, failed with a clear message, lost;
the rate the fake Notion saw; p50/p95 submit latency; audit rows against attempts.
Uses the PostgreSQL server at 127.0.0.1:5432 (database notionforms_bench, recreated).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import psycopg

from bench.app import free_port, wait_until_up
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import bucket_needed, served

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ntn_bench_secret"
ACTIONS = ["database", "page", "content", "comment"]
PATHS = {"database": "/databases/", "page": "/pages/", "content": "/content/", "comment": "/comments/"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=3.0)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument(
        "--redis", action="store_true", help="pace through Redis instead of the database cache"
    )
    args = parser.parse_args()

    # The fake Notion, in this process, over HTTP.
    sandbox = NotionSandbox(token=TOKEN, rate=args.rate, burst=3, latency=args.latency)
    parent = sandbox.add_page("Bench space")
    database = sandbox.create_database(
        body={"parent": {"page_id": parent["id"]}, "title": [{"text": {"content": "Bench"}}]}, query={}
    )
    source_id = database["data_sources"][0]["id"]
    page = sandbox.add_page("Bench page")
    times: list[float] = []
    statuses: list[int] = []
    notion = ExitStack()
    notion_url = notion.enter_context(served(sandbox, times, statuses=statuses))

    # A fresh database and the app under gunicorn.
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS notionforms_bench WITH (FORCE)")
        db.execute("CREATE DATABASE notionforms_bench")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "notionforms.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/notionforms_bench",
        "SECRET_KEY": "bench-only-secret-key",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "NOTION_KEY": TOKEN,
        "NOTION_PAGE_ID": parent["id"],
        "NOTION_BASE_URL": notion_url,
        "NOTION_RATE_LIMIT": str(args.rate),
        "NOTION_RATE_MAX_WAIT": "60",
        "NOTION_ACTION_TIMEOUT": "120",
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_ACCESS_LOG": "",
        "LOG_LEVEL": "WARNING",
    }
    if args.redis:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/14"
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(manage + command, env=env, check=True, cwd=ROOT)
    make_users = (
        "from django.contrib.auth.models import User\n"
        f"for n in range({args.submissions}):\n"
        "    User.objects.create_user(f'bench{n}', password='bench-password')"
    )
    subprocess.run([*manage, "shell", "-c", make_users], env=env, check=True, cwd=ROOT)
    app_port = free_port()
    gunicorn = subprocess.Popen(
        [str(Path(python).parent / "gunicorn"), "-c", "gunicorn.conf.py",
         "-b", f"127.0.0.1:{app_port}", "--backlog", "512"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{app_port}"
    wait_until_up(base)

    fields = {
        "database": lambda n: {"name": f"Bench database {n}"},
        "page": lambda n: {"data_source_id": source_id, "name": f"Bench page {n}", "header": "Heading"},
        "content": lambda n: {"page_id": page["id"], "content": f"Paragraph one of {n}.\n\nParagraph two."},
        "comment": lambda n: {"page_id": page["id"], "comment": f"Comment {n}"},
    }
    start = threading.Barrier(args.submissions)
    outcomes: list[dict] = [{} for _ in range(args.submissions)]

    def user(n: int) -> None:
        action = ACTIONS[n % 4]
        outcome = outcomes[n]
        outcome["action"] = action
        try:
            # Like a browser, never send the form on a connection left idle at the barrier (gunicorn
            # closes those after its keep-alive of 2 s).
            idle = httpx.Limits(keepalive_expiry=1)
            with httpx.Client(base_url=base, timeout=300, limits=idle) as client:
                login_page = client.get("/accounts/login/").text
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
                login = {"username": f"bench{n}", "password": "bench-password", "csrfmiddlewaretoken": token}
                client.post("/accounts/login/", data=login)
                home = client.get("/").text
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home).group(1)
                key = re.search(rf'name="{action}-submission_key" value="([^"]+)"', home).group(1)
                data = {f"{action}-{k}": v for k, v in fields[action](n).items()}
                data |= {f"{action}-submission_key": key, "csrfmiddlewaretoken": token}
                start.wait()
                began = time.monotonic()
                response = client.post(PATHS[action], data=data)
                outcome["latency"] = time.monotonic() - began
                outcome["status"] = response.status_code
                outcome["key"] = key
        except Exception as error:  # a lost submission is what this measures
            outcome["error"] = repr(error)

    began = time.time()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(args.submissions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - began
    gunicorn.terminate()
    gunicorn.wait()
    notion.close()

    # What the app recorded.
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/notionforms_bench") as db:
        submissions = dict(db.execute("SELECT key::text, status FROM integration_formsubmission").fetchall())
        hints = [
            row[0]
            for row in db.execute(
                "SELECT error->>'hint' FROM integration_formsubmission WHERE status='failed'"
            )
        ]
        audit_rows = db.execute("SELECT count(*) FROM integration_notionrequestlog").fetchone()[0]
        audit_429 = db.execute(
            "SELECT count(*) FROM integration_notionrequestlog WHERE status = 429"
        ).fetchone()[0]
    completed = sum(
        1 for o in outcomes if o.get("status") == 302 and submissions.get(o["key"]) == "succeeded"
    )
    failed_clearly = sum(
        1 for o in outcomes if o.get("status") == 302 and submissions.get(o["key"]) == "failed"
    )
    lost = args.submissions - completed - failed_clearly
    latencies = sorted(o["latency"] for o in outcomes if "latency" in o)
    report = {
        "submissions": args.submissions,
        "workers": args.workers,
        "pacing_cache": "redis" if args.redis else "database",
        "completed": completed,
        "failed_with_clear_message": failed_clearly,
        "failure_messages": sorted(set(hints)),
        "lost": lost,
        "errors": [o["error"] for o in outcomes if "error" in o][:5],
        "notion_requests": len(times),
        "notion_429": statuses.count(429),
        "notion_rate_per_s": round((len(times) - 1) / (max(times) - min(times)), 3)
        if len(times) > 1
        else None,
        "notion_busiest_second": max(sum(1 for u in times if t <= u < t + 1) for t in times) if times else 0,
        "notion_bucket_needed": round(bucket_needed(times, args.rate), 2) if times else 0,
        "submit_latency_p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "submit_latency_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 2) if latencies else None,
        "audit_rows": audit_rows,
        "audit_rows_429": audit_429,
        "attempts_seen_by_notion": len(times),
        "elapsed_s": round(elapsed, 1),
    }
    print(json.dumps(report, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
