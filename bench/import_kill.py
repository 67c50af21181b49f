"""Import kill figure: 10 runs of a 300-row CSV import whose worker is killed (SIGKILL) at random
points, against a fake Notion that drops the connection after making the page for 20% of page
creations (POST /v1/pages: the page exists, no answer comes back).

    .venv/bin/python -m bench.import_kill [--runs 10] [--rows 300] [--kills 2] [--drop 0.2] [--seed 9]

Each kill falls at a random row and a random moment within it; a new worker is started at once and
takes the job over once the dead one has been silent JOBS_WORKER_TIMEOUT (1 s here). A job that ends
failed because a row "may have been added" is resumed (`import_csv --resume JOB`), as its summary
says; a job that pauses and retries by itself is waited for. Each run ends when the job is done, and
must then have exactly one page per row. Prints, and writes to bench/results/, per run and in total:
kills, dropped connections, resumes, pages, duplicates. Uses the PostgreSQL server at
127.0.0.1:5432 (database notionforms_bench_import_kill, recreated).
"""

import argparse
import random
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.app import TOKEN
from bench.importing import (
    app_env,
    duplicates,
    fresh_database,
    job_row,
    keys_in,
    resume_import,
    save,
    set_up,
    start_import,
    start_worker,
    stop,
    write_csv,
)
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import served


class Dropper:
    """Drops the answer to a share of page creations, counting them."""

    def __init__(self, share: float, rng: random.Random) -> None:
        self.share, self.rng = share, rng
        self.dropped = 0
        self._lock = threading.Lock()

    def __call__(self, method: str, path: str) -> bool:
        if (method, path) != ("POST", "/v1/pages"):
            return False
        with self._lock:
            if self.rng.random() < self.share:
                self.dropped += 1
                return True
        return False


def one_run(
    number: int,
    *,
    env: dict[str, str],
    database_url: str,
    file: Path,
    sandbox: NotionSandbox,
    dropper: Dropper,
    rng: random.Random,
    args: argparse.Namespace,
) -> dict[str, Any]:
    dropped_before = dropper.dropped
    began = time.monotonic()
    summary = start_import(env, file, f"Kill bench {number}")
    job_id = summary["job_id"]
    kill_at = sorted(rng.sample(range(1, args.rows), args.kills))
    kills = resumes = 0
    worker = start_worker(env)
    try:
        while True:
            job = job_row(database_url, job_id)
            if job["state"] == "done":
                break
            if job["state"] in ("failed", "cancelled"):
                resume_import(env, job_id)
                resumes += 1
                continue
            if time.monotonic() - began > args.timeout:
                raise TimeoutError(
                    f"run {number}: job {job_id} not done after {args.timeout} s ({job['state']})"
                )
            if kill_at and job["state"] == "running" and job["progress"].get("next", 0) >= kill_at[0]:
                time.sleep(rng.uniform(0, args.within))  # anywhere in the row's work
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                kills += 1
                kill_at.pop(0)
                worker = start_worker(env)
            time.sleep(0.01)
    finally:
        stop(worker)
    keys = keys_in(sandbox, summary["data_source_id"])
    return {
        "run": number,
        "job": job_id,
        "kills": kills,
        "dropped_connections": dropper.dropped - dropped_before,
        "resumes": resumes,
        "pages": sum(keys.values()),
        "duplicates": duplicates(keys),
        "rows_done": job["done"],
        "exactly_one_page_per_row": sum(keys.values()) == args.rows and duplicates(keys) == 0,
        "seconds": round(time.monotonic() - began, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--kills", type=int, default=2, help="kills per run, each at a random row")
    parser.add_argument("--drop", type=float, default=0.2, help="share of page creations answered by a drop")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the fake Notion takes to answer")
    parser.add_argument(
        "--within", type=float, default=0.05, help="a kill comes up to this long into its row"
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds a run may take")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    dropper = Dropper(args.drop, random.Random(args.seed + 1))
    sandbox = NotionSandbox(token=TOKEN, latency=args.latency)
    parent = sandbox.add_page("Bench space")
    database_url = fresh_database("notionforms_bench_import_kill")
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as folder, served(sandbox, drop=dropper) as notion_url:
        env = app_env(
            database_url=database_url,
            notion_url=notion_url,
            page_id=parent["id"],
            imports_dir=Path(folder) / "imports",
            NOTION_RATE_LIMIT="0",
            JOBS_WORKER_TIMEOUT="1",
        )
        set_up(env)
        file = write_csv(Path(folder) / "rows.csv", args.rows)
        runs = []
        for number in range(1, args.runs + 1):
            run = one_run(
                number,
                env=env,
                database_url=database_url,
                file=file,
                sandbox=sandbox,
                dropper=dropper,
                rng=rng,
                args=args,
            )
            print(
                f"run {number}: {run['kills']} kills, {run['dropped_connections']} dropped connections, "
                f"{run['resumes']} resumes, {run['pages']} pages, {run['duplicates']} duplicates, "
                f"{run['seconds']} s",
                flush=True,
            )
            runs.append(run)
    report = {
        "rows": args.rows,
        "drop_share": args.drop,
        "kills_per_run": args.kills,
        "seed": args.seed,
        "runs": runs,
        "total": {
            "runs": len(runs),
            "runs_with_exactly_one_page_per_row": sum(run["exactly_one_page_per_row"] for run in runs),
            "kills": sum(run["kills"] for run in runs),
            "dropped_connections": sum(run["dropped_connections"] for run in runs),
            "resumes": sum(run["resumes"] for run in runs),
            "pages": sum(run["pages"] for run in runs),
            "duplicates": sum(run["duplicates"] for run in runs),
            "seconds": round(time.monotonic() - began, 1),
        },
    }
    save("import-kill", report)


if __name__ == "__main__":
    main()
