"""Idle-app figure: how long a lone user's submissions wait for their turn under the pacing.

    .venv/bin/python -m bench.idle [--submissions 10] [--gap 1.0]

One user sends a comment every `--gap` seconds through the whole app (login, CSRF, one-time
key, pacing at 3 requests a second with bursts of 2, audit rows) to a fake Notion that answers
at once. Prints each submission's time and the p50/max; a submission with unused burst should
not wait for a turn at all. Uses a fresh SQLite database in a temporary folder.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.app import free_port, wait_until_up
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import served

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ntn_bench_secret"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10)
    parser.add_argument("--gap", type=float, default=1.0)
    args = parser.parse_args()

    sandbox = NotionSandbox(token=TOKEN)
    page = sandbox.add_page("Bench page")
    with tempfile.TemporaryDirectory() as folder, served(sandbox) as notion_url:
        env = {
            **os.environ,
            "ENV_FILE": "",
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
            "NOTION_KEY": TOKEN,
            "NOTION_PAGE_ID": page["id"],
            "NOTION_BASE_URL": notion_url,
            "NOTION_RATE_LIMIT": "3",
            "NOTION_RATE_BURST": "2",
            "GUNICORN_ACCESS_LOG": "",
            "LOG_LEVEL": "WARNING",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        make_user = (
            "from django.contrib.auth.models import User; User.objects.create_user('ada', password='pw')"
        )
        subprocess.run([*manage, "shell", "-c", make_user], env=env, check=True, cwd=ROOT)
        port = free_port()
        gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"]
        server = subprocess.Popen(
            [*gunicorn, "-b", f"127.0.0.1:{port}"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        took = []
        with httpx.Client(base_url=base) as client:
            client.get("/accounts/login/")
            token = client.cookies["csrftoken"]
            client.post(
                "/accounts/login/", data={"username": "ada", "password": "pw", "csrfmiddlewaretoken": token}
            )
            for n in range(args.submissions):
                home = client.get("/").text
                key = home.split('name="comment-submission_key" value="')[1].split('"')[0]
                data = {
                    "comment-page_id": page["id"],
                    "comment-comment": f"comment {n}",
                    "comment-submission_key": key,
                    "csrfmiddlewaretoken": client.cookies["csrftoken"],
                }
                began = time.monotonic()
                response = client.post("/comments/", data=data, headers={"X-Requested-With": "fetch"})
                took.append(time.monotonic() - began)
                assert response.status_code == 200 and "Comment added" in response.text, response.text[:500]
                time.sleep(args.gap)
        server.terminate()
        server.wait()
    report = {
        "submissions": args.submissions,
        "gap_s": args.gap,
        "submit_ms": [round(t * 1000, 1) for t in took],
        "submit_p50_ms": round(statistics.median(took) * 1000, 1),
        "submit_max_ms": round(max(took) * 1000, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
