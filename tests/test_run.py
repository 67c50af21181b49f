"""`make run`'s last step: the Procfile's web server and worker under honcho, started together and
stopped together, with every process they started, on Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from integration.models import Job, WorkerBeat
from integration.sandbox.engine import NotionSandbox
from tests.factories import UserFactory
from tests.fake_notion import TOKEN, served
from tests.processes import alive, descendants
from tests.test_client_gone import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MANY_PARTS = "\n\n".join(["paragraph"] * 350)  # a job's work, more than a web request sends


def start_app(child_env, settings, notion_url: str, port: int, *, ignoring_sigint: bool) -> subprocess.Popen:
    """`honcho start` as `make run` runs it, in a terminal of its own: as a person starts it, or as
    a background script does, which hands it SIGINT ignored."""
    command = [str(BIN / "honcho"), "start", "--env", os.devnull, "--no-colour", "--port", str(port)]
    if ignoring_sigint:
        command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=child_env(
            notion_url,
            PATH=f"{BIN}:{os.environ['PATH']}",
            PYTHONUNBUFFERED="1",  # as `make run` sets it: each line as it is printed
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            JOBS_WORKER_TIMEOUT="1",
            NOTION_RATE_LIMIT="0",
            STATIC_ROOT=str(settings.STATIC_ROOT),  # collected once for the test session
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_until_up(app: subprocess.Popen, port: int) -> list[str]:
    """The lines the app printed until its server said where to open it, with its worker beating."""
    lines = []
    for line in app.stdout:
        lines.append(line)
        if "and log in" in line:
            break
    while not WorkerBeat.objects.exists():
        assert app.poll() is None, "".join(lines)
        time.sleep(0.1)
    assert httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=30).status_code == 200
    return lines


def stop(app: subprocess.Popen, processes: set[int]) -> None:
    app.wait(timeout=60)  # honcho kills what its SIGTERM did not stop after 5 s
    for pid in processes:
        while alive(pid):  # each was sent SIGKILL at the latest: wait for it to be gone
            time.sleep(0.05)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def app_process():
    """The started app, and in teardown every process under it killed, whatever the test did."""
    started: list[tuple[subprocess.Popen, set[int]]] = []
    yield started
    for app, processes in started:
        for pid in processes | descendants(app.pid) | {app.pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        app.wait()


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize("ignoring_sigint", [False, True], ids=["from a terminal", "from a script"])
def test_the_app_and_its_worker_start_together_and_all_stop_on_ctrl_c(
    child_env, settings, app_process, ignoring_sigint
):
    if not ignoring_sigint:
        UserFactory()
    port = free_port()
    app = start_app(child_env, settings, "http://127.0.0.1:9", port, ignoring_sigint=ignoring_sigint)
    app_process.append((app, set()))

    lines = wait_until_up(app, port)
    processes = descendants(app.pid)
    app_process[-1] = (app, processes)
    if ignoring_sigint:
        os.kill(app.pid, signal.SIGINT)  # its own children ignore nothing: only honcho is told
    else:
        os.killpg(app.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
    stop(app, processes)

    assert [pid for pid in processes if alive(pid)] == []
    assert port_is_free(port)
    if ignoring_sigint:  # and no login yet: it says how to make one, not that the app is ready for it
        assert (
            lines[-1]
            .rstrip()
            .endswith(
                "No login exists yet: create one with `python manage.py createsuperuser`, "
                f"then open http://127.0.0.1:{port}/ and log in. Ctrl-C stops the app."
            )
        )
    else:
        assert lines[-1].rstrip().endswith(f"Open http://127.0.0.1:{port}/ and log in. Ctrl-C stops the app.")


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_worker_in_the_middle_of_a_long_request_is_stopped_too(child_env, settings, app_process, submit):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sandbox = NotionSandbox(token=TOKEN, latency=600)  # the job's first request never ends by itself
    page = sandbox.add_page("Notes")
    arrivals: list[float] = []
    port = free_port()
    with served(sandbox, arrivals) as notion_url:
        submit("content", page_id=page["id"], content=MANY_PARTS, format="plain")
        assert Job.objects.get().state == "queued"
        app = start_app(child_env, settings, notion_url, port, ignoring_sigint=False)
        app_process.append((app, set()))
        wait_until_up(app, port)
        while not arrivals:  # the worker took the job and waits for Notion's answer
            assert app.poll() is None
            time.sleep(0.05)

        processes = descendants(app.pid)
        app_process[-1] = (app, processes)
        os.killpg(app.pid, signal.SIGINT)
        stop(app, processes)
        output = app.stdout.read()

    assert [pid for pid in processes if alive(pid)] == []
    assert port_is_free(port)
    assert "sending SIGKILL to worker.1" in output
