"""Import memory figure: the peak resident memory of one `db_worker` importing a 1,000-row CSV file,
then a 100,000-row one, against a fake Notion answering at once with no rate limit (and no pacing in
the app: NOTION_RATE_LIMIT=0).

    .venv/bin/python -m bench.import_memory [--rows 100000] [--baseline 1000] [--max-seconds 0]

Each import gets a new worker; its VmRSS is sampled while it works and its VmHWM (peak) read when
the job is done, or when the long import has run `--max-seconds` (then the worker is killed and the
rows it reached are reported). Prints, and writes to bench/results/: both peaks and their difference
(target: within 10 MB), the RSS as the long import went on, and the time per row. Uses the PostgreSQL
server at 127.0.0.1:5432 (database notionforms_bench_import_memory, recreated).
"""

import argparse
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.app import TOKEN
from bench.importing import (
    FINISHED,
    IMPORT_KEY,
    app_env,
    fresh_database,
    job_row,
    rss_kb,
    save,
    set_up,
    start_import,
    start_worker,
    stop,
    write_csv,
)
from integration.notion.shapes import plain_text
from integration.sandbox.engine import MemoryStore, NotionSandbox
from tests.fake_notion import served

SAMPLE_SECONDS = 30


class CountingStore(MemoryStore):
    """A store that keeps everything but the pages made in a data source: of those, only how many
    there are of each import key, so that 100,000 pages don't fill this process's memory."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: Counter[str] = Counter()
        self._counting = threading.Lock()

    def put(self, obj: dict) -> None:
        if obj["object"] == "page" and obj.get("parent", {}).get("type") == "data_source_id":
            key = plain_text(obj["properties"].get(IMPORT_KEY, {}).get("rich_text") or [])
            with self._counting:
                self.keys[key] += 1
            return
        super().put(obj)


def measure(
    *,
    env: dict[str, str],
    database_url: str,
    folder: Path,
    rows: int,
    store: CountingStore,
    max_seconds: float = 0,
) -> dict[str, Any]:
    """Import `rows` rows with a new worker (for `max_seconds` at most, if given); its memory and time."""
    file = write_csv(folder / f"rows-{rows}.csv", rows)
    worker = start_worker(env)
    try:
        time.sleep(2)  # the worker's Django is loaded before the job comes
        started_rss = rss_kb(worker.pid)["VmRSS"]
        store.keys.clear()
        summary = start_import(env, file, f"Memory bench {rows}")
        job_id = summary["job_id"]
        began = time.monotonic()
        samples: list[list[int]] = []
        sampled = 0.0
        while (job := job_row(database_url, job_id))["state"] not in FINISHED:
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited ({worker.returncode}) at row {job['done']}")
            if max_seconds and time.monotonic() - began > max_seconds:
                break
            if time.monotonic() - sampled >= SAMPLE_SECONDS:
                sampled = time.monotonic()
                samples.append([job["done"], rss_kb(worker.pid)["VmRSS"]])
                print(f"{rows} rows: {job['done']} done, VmRSS {samples[-1][1]} kB", flush=True)
            time.sleep(0.5)
        took = time.monotonic() - began
        memory = rss_kb(worker.pid)
        if job["state"] not in FINISHED:
            worker.kill()  # a TERM would let it finish the job first
    finally:
        stop(worker)
    return {
        "rows": rows,
        "job_state": job["state"],
        "job_done": job["done"],
        "stopped_after_max_seconds": job["state"] not in FINISHED,
        "pages": sum(store.keys.values()),
        "duplicates": sum(count - 1 for count in store.keys.values()),
        "rss_before_job_kb": started_rss,
        "rss_end_kb": memory["VmRSS"],
        "peak_rss_kb": memory["VmHWM"],
        "rss_by_rows_done_kb": samples,
        "import_s": round(took, 1),
        "ms_per_row": round(took / max(1, job["done"]) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the long import")
    parser.add_argument("--baseline", type=int, default=1000, help="rows of the short import")
    parser.add_argument(
        "--max-seconds", type=float, default=0, help="stop the long import after this long (0: never)"
    )
    args = parser.parse_args()

    store = CountingStore()
    sandbox = NotionSandbox(token=TOKEN, store=store)
    parent = sandbox.add_page("Bench space")
    database_url = fresh_database("notionforms_bench_import_memory")
    with tempfile.TemporaryDirectory() as folder, served(sandbox) as notion_url:
        env = app_env(
            database_url=database_url,
            notion_url=notion_url,
            page_id=parent["id"],
            imports_dir=Path(folder) / "imports",
            NOTION_RATE_LIMIT="0",
        )
        set_up(env)
        where = {"env": env, "database_url": database_url, "folder": Path(folder), "store": store}
        short = measure(rows=args.baseline, **where)
        long = measure(rows=args.rows, max_seconds=args.max_seconds, **where)
    report = {
        "short": short,
        "long": long,
        "peak_rss_difference_kb": long["peak_rss_kb"] - short["peak_rss_kb"],
        "peak_rss_difference_mb": round((long["peak_rss_kb"] - short["peak_rss_kb"]) / 1024, 1),
    }
    save("import-memory", report)


if __name__ == "__main__":
    main()
