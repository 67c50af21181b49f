"""Deployed the way Django users deploy: `migrate` alone gives a working app, and what it
needs but cannot reach is named by `manage.py check` and by a clear message, never a 500."""

import os
import subprocess
import sys

import pytest
from django.db import connections

from integration.http.pacing import wait_for_turn
from integration.http.policy import Policy
from integration.models import FormSubmission, NotionRequestLog


def manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], capture_output=True, text=True, env=base | env, timeout=120
    )


@pytest.mark.no_db
def test_migrate_alone_gives_an_app_whose_requests_to_notion_work(tmp_path):
    assert manage(tmp_path, "migrate", "--noinput").returncode == 0

    made = manage(tmp_path, "create_database", "Tasks", "--json")

    assert made.returncode == 0, made.stderr
    assert '"database_id"' in made.stdout
    assert manage(tmp_path, "check").returncode == 0


@pytest.mark.no_db
def test_without_redis_migrate_makes_the_cache_table_the_app_and_its_workers_share(tmp_path):
    assert manage(tmp_path, "migrate", "--noinput").returncode == 0

    use = "from django.core.cache import cache; "
    kept = manage(tmp_path, "shell", "-c", use + "cache.set('k', 'shared', 60)")
    read = manage(tmp_path, "shell", "-c", use + "print(cache.get('k'))")

    assert kept.returncode == 0, kept.stderr
    assert read.stdout.strip().splitlines()[-1] == "shared"
    undone = manage(tmp_path, "migrate", "integration", "0009", "--noinput")
    assert undone.returncode == 0, undone.stderr
    gone = manage(tmp_path, "shell", "-c", use + "cache.get('k')")
    assert "notionforms_cache" in gone.stderr


@pytest.mark.no_db
def test_check_names_redis_when_it_cannot_be_reached(tmp_path, closed_port):
    result = manage(tmp_path, "check", REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")

    assert result.returncode != 0
    assert "notionforms.E001" in result.stderr and "Redis at REDIS_URL can't be reached" in result.stderr


@pytest.fixture
def closed_port() -> int:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def paced(settings):
    settings.NOTION_RATE_LIMIT = 3
    settings.NOTION_RATE_BURST = 2


def test_with_redis_down_a_form_says_the_pacing_store_is_down_and_sends_nothing(
    browser, submit, fake_notion, paced, settings, closed_port
):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"

    response = submit("database", name="Tasks")
    search = browser.get("/search/", {"kind": "page", "q": "x"})

    assert response.status_code == 302
    error = FormSubmission.objects.get().error
    assert error["code"] == "pacing_unavailable" and "nothing was sent" in error["hint"]
    assert search.status_code == 200 and "pacing store" in search.content.decode()
    assert fake_notion.received == []


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_with_the_pacing_table_gone_a_form_says_so_and_sends_nothing(submit, fake_notion, paced, settings):
    settings.REDIS_URL = ""  # the schedule in the database
    with connections["audit"].cursor() as cursor:
        cursor.execute("ALTER TABLE integration_pacingstate RENAME TO integration_pacingstate_away")
    try:
        submit("database", name="Tasks")
    finally:
        with connections["audit"].cursor() as cursor:
            cursor.execute("ALTER TABLE integration_pacingstate_away RENAME TO integration_pacingstate")

    assert FormSubmission.objects.get().error["code"] == "pacing_unavailable"
    assert fake_notion.received == []


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_an_idle_app_sends_its_burst_at_once_then_keeps_to_the_rate(settings):
    settings.NOTION_RATE_LIMIT, settings.NOTION_RATE_BURST, settings.NOTION_RATE_MAX_WAIT = 3, 2, 5
    policy = Policy.from_settings()

    turns = [wait_for_turn(policy) for _ in range(3)]

    assert turns[0].waited == 0 and turns[1].waited == 0
    assert turns[2].at >= turns[0].at + 1 / 3 - 1e-4


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_sequential_submissions_to_a_quick_notion_do_not_wait_for_a_turn(
    submit, fake_notion, paced, monkeypatch
):
    from integration.http import pacing

    waits: list[float] = []
    monkeypatch.setattr(pacing.time, "sleep", waits.append)  # the clock's sleep, as pacing calls it

    submit("database", name="One")
    submit("database", name="Two")

    assert waits == []  # the burst of two lets both go at once
    assert NotionRequestLog.objects.count() == 2


@pytest.mark.no_db
def test_gunicorn_gives_a_request_the_longest_time_the_app_allows(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "NOTION_ACTION_TIMEOUT": "90",
        "NOTION_CONNECT_TIMEOUT": "5",
        "NOTION_READ_TIMEOUT": "30",
    }
    read = "import runpy; print(runpy.run_path('gunicorn.conf.py')['timeout'])"

    result = subprocess.run([sys.executable, "-c", read], capture_output=True, text=True, env=env)

    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 90 + 5 + 30


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_check_names_the_pacing_table_when_it_cannot_be_read(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.REDIS_URL = ""  # the schedule in the database
    with connections["audit"].cursor() as cursor:
        cursor.execute("ALTER TABLE integration_pacingstate RENAME TO integration_pacingstate_away")
    try:
        with pytest.raises(SystemCheckError, match=r"notionforms\.E002"):
            call_command("check")
    finally:
        with connections["audit"].cursor() as cursor:
            cursor.execute("ALTER TABLE integration_pacingstate_away RENAME TO integration_pacingstate")


def collected_with(**env: str) -> subprocess.CompletedProcess:
    """A test run started with `env` added, collecting one file only."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--collect-only", "tests/test_ids.py"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


@pytest.mark.no_db
def test_a_test_run_meant_for_redis_stops_at_once_when_redis_is_away(closed_port):
    result = collected_with(TEST_REDIS_URL=f"redis://127.0.0.1:{closed_port}/13")

    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert f"TEST_REDIS_URL=redis://127.0.0.1:{closed_port}/13 can't be reached" in said


@pytest.mark.no_db
def test_a_test_run_meant_for_postgresql_stops_at_once_when_it_is_away(closed_port):
    result = collected_with(TEST_DATABASE_URL=f"postgres://postgres:hush@127.0.0.1:{closed_port}/test")

    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert "PostgreSQL at TEST_DATABASE_URL can't be reached" in said
    assert "hush" not in said
