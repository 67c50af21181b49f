"""Import rate figure: a 1,000-row CSV import by two `db_worker` processes against a fake Notion
enforcing 3 requests a second (bursts of 3, as Notion's), while a web user adds a comment every 2 s
through the app under gunicorn (gunicorn.conf.py).

    .venv/bin/python -m bench.import_rate [--rows 1000] [--gap 2] [--latency 0.1] [--gunicorn-workers 2]

Prints, and writes to bench/results/: the rate Notion saw during the import (target ≥ 2.85 of 3),
the 429s the fake answered and those that reached the job (target 0), the pages created and the
duplicates among them by import key (target 0), the web user's wait p50/p95 (target p95 ≤ 2 s) and
the wall time. Uses the PostgreSQL server at 127.0.0.1:5432 (database notionforms_bench_import_rate,
recreated).
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.app import TOKEN
from bench.importing import (
    ROOT,
    app_env,
    duplicates,
    fresh_database,
    job_row,
    keys_in,
    save,
    set_up,
    start_import,
    start_worker,
    stop,
    wait_until,
    write_csv,
)
from bench.load import free_port
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import bucket_needed, served

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


class WebUser(threading.Thread):
    """A logged-in user adding a comment every `gap` seconds until stopped; each one's wait."""

    def __init__(self, base: str, page_id: str, gap: float) -> None:
        super().__init__(daemon=True)
        self.base, self.page_id, self.gap = base, page_id, gap
        self.waits: list[float] = []
        self.failures: list[str] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        # Like a browser, never reuse a connection left idle longer than gunicorn's keep-alive (2 s).
        idle = httpx.Limits(keepalive_expiry=1)
        with httpx.Client(base_url=self.base, timeout=120, limits=idle) as client:
            client.get("/accounts/login/")
            login = {"username": "web", "password": "pw", "csrfmiddlewaretoken": client.cookies["csrftoken"]}
            client.post("/accounts/login/", data=login)
            n = 0
            while not self.stopped.is_set():
                try:
                    self.comment(client, n)
                except httpx.HTTPError as error:
                    self.failures.append(repr(error))
                n += 1
                self.stopped.wait(self.gap)

    def comment(self, client: httpx.Client, n: int) -> None:
        home = client.get("/").text
        key = re.search(r'name="comment-submission_key" value="([^"]+)"', home)
        data = {
            "comment-page_id": self.page_id,
            "comment-comment": f"Comment {n}",
            "comment-submission_key": key.group(1) if key else "",
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        }
        began = time.monotonic()
        answer = client.post("/comments/", data=data, headers={"X-Requested-With": "fetch"})
        self.waits.append(time.monotonic() - began)
        if answer.status_code != 200 or "Comment added" not in answer.text:
            self.failures.append(f"{answer.status_code}: {answer.text[:200]}")


def percentile(values: list[float], share: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[int(share * (len(ordered) - 1))], 3) if ordered else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--gap", type=float, default=2.0, help="seconds between the web user's comments")
    parser.add_argument("--rate", type=float, default=3.0)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the fake Notion takes to answer")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    args = parser.parse_args()

    sandbox = NotionSandbox(token=TOKEN, rate=args.rate, burst=3, latency=args.latency)
    parent = sandbox.add_page("Bench space")
    page = sandbox.add_page("Bench page")
    arrivals: list[float] = []
    statuses: list[int] = []
    database_url = fresh_database("notionforms_bench_import_rate")
    with tempfile.TemporaryDirectory() as folder, served(sandbox, arrivals, statuses=statuses) as notion_url:
        env = app_env(
            database_url=database_url,
            notion_url=notion_url,
            page_id=parent["id"],
            imports_dir=Path(folder) / "imports",
            NOTION_RATE_LIMIT=str(args.rate),
            NOTION_RATE_MAX_WAIT="60",
            GUNICORN_WORKERS=str(args.gunicorn_workers),
        )
        set_up(env, "web")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
        )
        port = free_port()
        gunicorn = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(f"{base}/accounts/login/"), seconds=60)
        workers = [start_worker(env), start_worker(env)]
        user = WebUser(base, page["id"], args.gap)
        try:
            file = write_csv(Path(folder) / "rows.csv", args.rows)
            began = time.time()
            user.start()
            summary = start_import(env, file, "Import rate bench")
            queued = time.time()
            job_id = summary["job_id"]
            wait_until(lambda: job_row(database_url, job_id)["state"] in ("done", "failed", "cancelled"),
                       seconds=args.rows * 2 + 120, every=0.5)  # fmt: skip
            ended = time.time()
            user.stopped.set()
            user.join(timeout=130)
        finally:
            user.stopped.set()
            for process in (*workers, gunicorn):
                stop(process)
    job = job_row(database_url, job_id)
    report = _report(args, sandbox, summary, job, database_url, arrivals, statuses, user)
    window = [t for t in arrivals if queued <= t <= ended]
    report["notion_rate_during_import_per_s"] = (
        round((len(window) - 1) / (max(window) - min(window)), 3) if len(window) > 1 else None
    )
    report["notion_requests_during_import"] = len(window)
    report["notion_bucket_needed"] = round(bucket_needed(window, args.rate), 2) if window else 0
    report["wall_s"] = round(ended - began, 1)
    report["import_s"] = round(ended - queued, 1)
    save("import-rate", report)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _report(
    args: argparse.Namespace,
    sandbox: NotionSandbox,
    summary: dict[str, Any],
    job: dict[str, Any],
    database_url: str,
    arrivals: list[float],
    statuses: list[int],
    user: WebUser,
) -> dict[str, Any]:
    keys = keys_in(sandbox, summary["data_source_id"])
    with psycopg.connect(database_url) as db:
        audit_429_job = db.execute(
            "SELECT count(*) FROM integration_notionrequestlog WHERE status = 429 AND correlation_id = %s",
            (job["correlation_id"],),
        ).fetchone()[0]
    error = job["result"].get("error") or {}
    refused = [row for row in job["progress"].get("failed", []) if "rate" in str(row).lower()]
    return {
        "rows": args.rows,
        "rate_limit": args.rate,
        "latency_s": args.latency,
        "workers": 2,
        "web_server": f"gunicorn -c gunicorn.conf.py ({args.gunicorn_workers} workers)",
        "job_state": job["state"],
        "job_done": job["done"],
        "job_hint": job["result"].get("hint", ""),
        "pages_created": sum(keys.values()),
        "duplicate_pages": duplicates(keys),
        "notion_requests": len(arrivals),
        "notion_429_answered": statuses.count(429),
        "notion_429_retried_by_the_job": audit_429_job,
        "notion_429_surfaced_to_the_job": (1 if error.get("status") == 429 else 0) + len(refused),
        "web_submissions": len(user.waits),
        "web_failures": user.failures[:5],
        "web_wait_p50_s": round(statistics.median(user.waits), 3) if user.waits else None,
        "web_wait_p95_s": percentile(user.waits, 0.95),
        "web_wait_max_s": round(max(user.waits), 3) if user.waits else None,
    }


if __name__ == "__main__":
    main()
