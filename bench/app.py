"""What the benchmarks share: the app under gunicorn in a subprocess, pointed at a fake Notion,
and a client that logs in and fills its forms as a browser without JavaScript would."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ntn_bench_secret"
PASSWORD = "bench-password"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str) -> None:
    for _ in range(100):
        try:
            httpx.get(f"{base}/accounts/login/", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)


def production_env(*, database_url: str, notion_url: str, page_id: str, **settings: str) -> dict[str, str]:
    """The environment of the app as deployed (DEBUG off), on plain HTTP, talking to the fake Notion."""
    return {
        **os.environ,
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "notionforms.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only-secret-key",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "NOTION_KEY": TOKEN,
        "NOTION_PAGE_ID": page_id,
        "NOTION_BASE_URL": notion_url,
        "GUNICORN_ACCESS_LOG": "",
        "LOG_LEVEL": "WARNING",
        **settings,
    }


def prepare(env: dict[str, str], usernames: list[str]) -> None:
    """Migrate, collect the static files (DEBUG off serves them from the manifest), make the users."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(manage + command, env=env, check=True, cwd=ROOT)
    make_users = (
        "from django.contrib.auth.models import User\n"
        f"for name in {usernames!r}:\n"
        f"    User.objects.create_user(name, password={PASSWORD!r})"
    )
    subprocess.run([*manage, "shell", "-c", make_users], env=env, check=True, cwd=ROOT)


@contextmanager
def gunicorn(
    env: dict[str, str], *, workers: int, threads: int, config: str = "gunicorn.conf.py"
) -> Iterator[tuple[str, subprocess.Popen]]:
    """The app under gunicorn (`config`); yields its base URL and the master process."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", config, "-b", f"127.0.0.1:{port}"],
        env={**env, "GUNICORN_WORKERS": str(workers), "GUNICORN_THREADS": str(threads)},
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        yield base, server
    finally:
        server.terminate()
        server.wait()


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def log_in(client: httpx.Client, username: str) -> None:
    token = csrf_token(client.get("/accounts/login/").text)
    login = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    answer = client.post("/accounts/login/", data=login)
    assert answer.status_code == 302, f"login failed: {answer.status_code}"


def filled_form(client: httpx.Client, action: str, fields: dict[str, str]) -> dict[str, str]:
    """The home page's `action` form as sent: its fields, its one-time key and the CSRF token."""
    home = client.get("/").text
    key = re.search(rf'name="{action}-submission_key" value="([^"]+)"', home).group(1)
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return data | {f"{action}-submission_key": key, "csrfmiddlewaretoken": csrf_token(home)}


def worker_rss_mb(master: int) -> list[float]:
    """The resident memory of each of the gunicorn master's workers (its child processes), in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(round(int(line.split()[1]) / 1024, 1))
    return sizes
