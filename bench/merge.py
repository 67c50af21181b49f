"""Merge figures: re-importing a changed file into a data source that holds its rows, matched by
a key column (`import_csv FILE --data-source ID --key Email`), against a fake Notion answering at
once with no rate limit.

    .venv/bin/python -m bench.merge [--rows 1000] [--changed 100] [--large 10000]

First `--rows` rows are imported into a new database; then the same file with `--changed` rows
changed (their Amount) and as many new rows is merged: the requests Notion received for it are
counted by operation (target: about `--changed` updates and as many pages added, plus one query
per 100 rows). Then the same with `--large` rows, with one `db_worker` per merge whose peak
resident memory (VmHWM) is read when the job is done: a flat memory is a large merge's peak within
a few MB of the small one's. Prints, and writes to bench/results/. Uses the PostgreSQL server at
127.0.0.1:5432 (database notionforms_bench_merge, recreated).
"""

import argparse
import csv
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.app import TOKEN
from bench.importing import (
    app_env,
    fresh_database,
    job_row,
    manage,
    rss_kb,
    save,
    set_up,
    start_worker,
    stop,
    wait_until,
    write_csv,
)
from integration.notion.endpoints import operation_name
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import served


class CountingSandbox(NotionSandbox):
    """The fake Notion, counting the requests it answers by operation."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.operations: Counter[str] = Counter()

    def dispatch(self, request: httpx.Request) -> dict:
        self.operations[operation_name(request.method, request.url.path)] += 1
        return super().dispatch(request)


def changed_file(source: Path, target: Path, *, changed: int, added: int) -> Path:
    """`source` with the Amount of its first `changed` rows changed and `added` new rows at the end."""
    with source.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    header, body = rows[0], rows[1:]
    amount = header.index("Amount")
    for row in body[:changed]:
        row[amount] = f"{float(row[amount]) + 1000:.2f}"
    width = len(body)
    for n in range(width, width + added):
        body.append([f"Row {n}", "1.00", "2026-01-01", "false", "Todo", f"person{n}@example.com"])
    with target.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([header, *body])
    return target


def run_job(
    env: dict[str, str], database_url: str, *args: str
) -> tuple[dict[str, Any], dict[str, Any], int, float]:
    """`import_csv ARGS --json` with a new worker doing the job: the command's summary, the job's
    row, the worker's peak resident memory (kB) and the seconds the job took."""
    worker = start_worker(env)
    try:
        began = time.monotonic()
        summary = json.loads(manage(env, "import_csv", *args, "--json"))
        job_id = summary["job_id"]
        wait_until(lambda: job_row(database_url, job_id)["state"] in ("done", "failed"), seconds=3600)
        seconds = time.monotonic() - began
        peak = rss_kb(worker.pid)["VmHWM"]
    finally:
        stop(worker)
    return summary, job_row(database_url, job_id), peak, seconds


def merge_once(
    env: dict[str, str], database_url: str, sandbox: CountingSandbox, folder: Path, rows: int, changed: int
) -> dict[str, Any]:
    base = write_csv(folder / f"base-{rows}.csv", rows)
    first, _, _, _ = run_job(env, database_url, str(base), "--title", f"Merge bench {rows}")
    data_source = first["data_source_id"]
    week2 = changed_file(base, folder / f"week2-{rows}.csv", changed=changed, added=changed)
    sandbox.operations.clear()
    _, job, peak, seconds = run_job(
        env, database_url, str(week2), "--data-source", data_source, "--key", "Email"
    )
    return {
        "rows_held": rows,
        "rows_in_file": rows + changed,
        "changed": changed,
        "added": changed,
        "state": job["state"],
        "summary": job["result"].get("hint"),
        "requests": dict(sandbox.operations),
        "writes": sandbox.operations["pages.update"] + sandbox.operations["pages.create"],
        "reads": sandbox.operations["data_sources.query"] + sandbox.operations["data_sources.retrieve"],
        "worker_peak_mb": round(peak / 1024, 1),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    options = parser.parse_args()
    database_url = fresh_database("notionforms_bench_merge")
    sandbox = CountingSandbox(token=TOKEN)
    page = sandbox.add_page("Bench")
    with tempfile.TemporaryDirectory() as temp, served(sandbox) as url:
        folder = Path(temp)
        env = app_env(
            database_url=database_url,
            notion_url=url,
            page_id=page["id"],
            imports_dir=folder / "imports",
            NOTION_RATE_LIMIT="0",
        )
        set_up(env)
        small = merge_once(env, database_url, sandbox, folder, options.rows, options.changed)
        large = merge_once(env, database_url, sandbox, folder, options.large, options.large // 10)
    save(
        "merge",
        {
            "small": small,
            "large": large,
            "peak_difference_mb": round(large["worker_peak_mb"] - small["worker_peak_mb"], 1),
        },
    )


if __name__ == "__main__":
    main()
