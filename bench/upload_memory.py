"""Upload memory figure: the resident memory of a process while `upload_file` sends a 100 MB file
in 10 MB parts to a fake Notion (a paid workspace's limits) served by another process.

    .venv/bin/python -m bench.upload_memory [--megabytes 100]

This process serves the fake Notion and starts the uploader, a process of the app's own (its
history in a fresh SQLite database, no pacing). The uploader samples its VmRSS every 5 ms: idle
(Django set up, the history's tables made, the file written) and while the upload runs. Prints, and
writes to bench/results/: idle RSS, peak RSS, their difference (target: at most 20 MB), the time,
and whether the bytes Notion assembled are the file's (SHA-256).
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.app import ROOT, TOKEN
from bench.importing import rss_kb, save
from integration.notion.limits import MULTI_PART_MAX
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import served

SAMPLE_SECONDS = 0.005


def uploader(megabytes: int) -> None:
    """The measured process: set up, write the file, then upload it while sampling its own RSS."""
    import django

    django.setup()
    from django.core.management import call_command

    from integration.notion.files import LocalFile, upload_file

    call_command("migrate", verbosity=0)
    path = Path(tempfile.mkdtemp()) / "film.mp4"
    with path.open("wb") as out:
        for _ in range(megabytes):
            out.write(os.urandom(1024 * 1024))
    idle = rss_kb(os.getpid())["VmRSS"]
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(rss_kb(os.getpid())["VmRSS"])
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample)
    started = time.monotonic()
    sampler.start()
    upload_id = upload_file(LocalFile.at(path))
    done.set()
    sampler.join()
    print(
        json.dumps(
            {
                "upload_id": upload_id,
                "seconds": round(time.monotonic() - started, 2),
                "idle_kb": idle,
                "peak_kb": max(samples),
                "samples": len(samples),
                "path": str(path),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--uploader", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.uploader:
        uploader(args.megabytes)
        return
    sandbox = NotionSandbox(token=TOKEN, max_file_size=MULTI_PART_MAX)
    with served(sandbox) as url, tempfile.TemporaryDirectory() as folder:
        env = {
            "PATH": os.environ["PATH"],
            "ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "notionforms.settings",
            "SECRET_KEY": "bench-only",
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "NOTION_KEY": TOKEN,
            "NOTION_BASE_URL": url,
            "NOTION_RATE_LIMIT": "0",
            "LOG_LEVEL": "WARNING",
            **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
        }
        child = subprocess.run(
            [sys.executable, "-m", "bench.upload_memory", "--uploader", "--megabytes", str(args.megabytes)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    if child.returncode:
        raise SystemExit(f"The uploader failed:\n{child.stderr}")
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    path = Path(measured["path"])
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    path.unlink()
    save(
        "upload_memory",
        {
            "file_mb": args.megabytes,
            "seconds": measured["seconds"],
            "idle_rss_mb": round(measured["idle_kb"] / 1024, 1),
            "peak_rss_mb": round(measured["peak_kb"] / 1024, 1),
            "difference_mb": round((measured["peak_kb"] - measured["idle_kb"]) / 1024, 1),
            "target_mb": 20,
            "samples": measured["samples"],
            "bytes_match": sandbox.stored_sha256(measured["upload_id"]) == expected,
        },
    )


if __name__ == "__main__":
    main()
