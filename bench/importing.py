"""What the import benchmarks share: a fresh PostgreSQL database, the app's environment, a CSV file
of made-up rows, `manage.py` commands and `db_worker` processes, and what they read back (the job's
row, the pages of a data source in the fake Notion).

Not a benchmark itself: see bench/import_rate.py, bench/import_memory.py and bench/import_kill.py.
"""

import csv
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from bench.app import ROOT, production_env
from integration.notion.shapes import plain_text
from integration.sandbox.engine import NotionSandbox

SERVER = "postgresql://postgres@127.0.0.1:5432"
IMPORT_KEY = "Import key"  # the column import_csv adds (integration.imports.job.IMPORT_KEY)
FINISHED = ("done", "failed", "cancelled")


def fresh_database(name: str) -> str:
    """Drop and create the PostgreSQL database `name`; its URL."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def app_env(
    *, database_url: str, notion_url: str, page_id: str, imports_dir: Path, **more: str
) -> dict[str, str]:
    """The environment of an app process (DEBUG off, as deployed) against the served fake Notion."""
    return production_env(
        database_url=database_url.replace("postgresql://", "postgres://"),
        notion_url=notion_url,
        page_id=page_id,
        IMPORTS_DIR=str(imports_dir),
        **more,
    )


def manage(env: dict[str, str], *args: str) -> str:
    """Run `manage.py ARGS` to the end; its stdout. A failing command stops the benchmark."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def set_up(env: dict[str, str], *users: str) -> None:
    """Migrate, and make the superuser `owner` (the import jobs' owner) and `users` (password `pw`)."""
    manage(env, "migrate", "-v0")
    make = (
        "from django.contrib.auth.models import User\nUser.objects.create_superuser('owner', password='pw')\n"
    )
    make += "".join(f"User.objects.create_user({name!r}, password='pw')\n" for name in users)
    manage(env, "shell", "-c", make)


def write_csv(path: Path, rows: int) -> Path:
    """A CSV file of `rows` different rows: a title, a number, a date, a checkbox, a select, an email."""
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["Name", "Amount", "Due", "Done", "Status", "Email"])
        start = date(2026, 1, 1)
        for n in range(rows):
            out.writerow(
                [
                    f"Row {n}",
                    f"{n * 1.5:.2f}",
                    (start + timedelta(days=n % 365)).isoformat(),
                    "true" if n % 2 else "false",
                    ("Todo", "Doing", "Done")[n % 3],
                    f"person{n}@example.com",
                ]
            )
    return path


def start_import(env: dict[str, str], file: Path, title: str) -> dict[str, Any]:
    """`import_csv FILE --title TITLE --json`: the database is made and the job queued; its summary."""
    return json.loads(manage(env, "import_csv", str(file), "--title", title, "--json"))


def resume_import(env: dict[str, str], job_id: int) -> None:
    manage(env, "import_csv", "--resume", str(job_id), "--json")


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    """A `db_worker` process (no reloader: its PID is the worker's), polling the queue often."""
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def job_row(database_url: str, job_id: int) -> dict[str, Any]:
    """The import job's row, as the app stored it."""
    with psycopg.connect(database_url, row_factory=dict_row) as db:
        row = db.execute(
            "SELECT id, state, total, done, skipped, failed, progress, result, correlation_id,"
            " started_at, finished_at FROM integration_job WHERE id = %s",
            (job_id,),
        ).fetchone()
    assert row is not None, f"no job {job_id}"
    return row


def wait_until(condition: Callable[[], bool], *, seconds: float, every: float = 0.2) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited more than {seconds:.0f} s")
        time.sleep(every)


def keys_in(sandbox: NotionSandbox, data_source_id: str) -> Counter[str]:
    """How many pages of the data source hold each import key, in the fake Notion's store."""
    return Counter(
        plain_text(page["properties"].get(IMPORT_KEY, {}).get("rich_text") or [])
        for page in sandbox.store.newest_first(("page",))
        if page.get("parent", {}).get("data_source_id") == data_source_id and not page.get("in_trash")
    )


def duplicates(keys: Counter[str]) -> int:
    """Pages beyond the first for each key."""
    return sum(count - 1 for count in keys.values())


def rss_kb(pid: int) -> dict[str, int]:
    """The process's resident set now (VmRSS) and at its highest (VmHWM), in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def save(name: str, report: dict[str, Any]) -> Path:
    """Print the report and write it to bench/results/NAME-TIME.json."""
    text = json.dumps(report, indent=2, default=str)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(text + "\n")
    return path
