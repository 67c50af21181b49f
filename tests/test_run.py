"""`make run`'s last step, bin/run.py: the web server and a worker start together and stop on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from integration.models import WorkerBeat
from tests.test_client_gone import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_app_and_its_worker_start_together_and_both_stop_on_ctrl_c(child_env, settings):
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, "bin/run.py", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=child_env(
            "http://127.0.0.1:9",
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            JOBS_WORKER_TIMEOUT="1",
            STATIC_ROOT=str(settings.STATIC_ROOT),  # collected once for the test session
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a terminal of its own, for Ctrl-C to reach the whole group
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answered = httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=1).status_code
                if WorkerBeat.objects.exists():
                    break
            except httpx.HTTPError:
                pass
            assert app.poll() is None and time.monotonic() < deadline, "the app or its worker did not start"
            time.sleep(0.2)

        os.killpg(app.pid, signal.SIGINT)

        assert app.wait(timeout=20) == 0
        assert answered == 200
        left = subprocess.run(["ps", "-o", "stat=", "-g", str(app.pid)], capture_output=True, text=True)
        assert [state for state in left.stdout.split() if not state.startswith("Z")] == []  # zombies: ended
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
