import os
import shutil
import uuid

import pytest
from django.test import Client

from integration.sandbox.engine import NotionSandbox
from tests.factories import StaffFactory, UserFactory
from tests.fake_notion import TOKEN, FakeNotion


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The audit log has a connection of its own: every test may touch both.
    for item in items:
        if "django_db" not in item.keywords and "no_db" not in item.keywords:
            item.add_marker(pytest.mark.django_db(databases="__all__"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_db: the test needs no database")
    database_url = os.environ.get("TEST_DATABASE_URL", "")
    if database_url.startswith(("postgres:", "postgresql:")):  # fails at once too, not test by test
        import psycopg

        try:
            # The server, not the database: the tests make their own beside it.
            url = database_url.replace("postgres:", "postgresql:", 1)
            psycopg.connect(url, dbname="postgres", connect_timeout=2).close()
        except psycopg.Error as error:
            raise pytest.UsageError(f"PostgreSQL at TEST_DATABASE_URL can't be reached: {error}") from None
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:  # a run meant to use Redis fails at once without it, rather than skip or stall
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
        except redis.RedisError as error:
            raise pytest.UsageError(f"TEST_REDIS_URL={redis_url} can't be reached: {error}") from None


def _shares_one_sqlite_connection(item: pytest.Item) -> bool:
    """On SQLite, a test that runs in a transaction uses its one connection for the audit log too
    (see tests/settings.py); a test that commits keeps the app's two."""
    from django.conf import settings

    marker = item.get_closest_marker("django_db")
    if not marker or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return False
    return not marker.kwargs.get("transaction") and "transactional_db" not in item.fixturenames


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    # Its markers are final here: the swap goes first among its fixtures, before the test's
    # transactions are opened on both names (and after the test database is set up).
    if _shares_one_sqlite_connection(item) and "one_sqlite_connection" not in item.fixturenames:
        item.fixturenames.insert(0, "one_sqlite_connection")
    return (yield)


@pytest.fixture
def one_sqlite_connection(django_db_setup):
    from django.db import connections

    audit = connections["audit"]
    connections["audit"] = connections["default"]
    yield
    connections["audit"] = audit


@pytest.fixture(autouse=True)
def fresh_pacing_schedule(settings) -> None:
    """Each test starts with an idle schedule; in the database, the test's rollback sees to it."""
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter("notionforms:pace:*"):
            client.delete(key)


@pytest.fixture
def sandbox() -> NotionSandbox:
    return NotionSandbox(token=TOKEN)


@pytest.fixture
def parent_page(sandbox: NotionSandbox) -> dict:
    return sandbox.add_page("Team space")


@pytest.fixture
def fake_notion(settings, sandbox: NotionSandbox, parent_page: dict) -> FakeNotion:
    """Notion, as the app reaches it, set up with a shared parent page."""
    fake = FakeNotion(sandbox)
    settings.NOTION_KEY = TOKEN
    settings.NOTION_PAGE_ID = parent_page["id"]
    settings.NOTION_TRANSPORT = fake
    settings.NOTION_RETRY_BACKOFF = 0
    return fake


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def browser(user) -> Client:
    """A logged-in browser with CSRF checks on, as a real one."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def staff_browser(db) -> Client:
    client = Client()
    client.force_login(StaffFactory(username="admin"))
    return client


@pytest.fixture
def new_key() -> str:
    return str(uuid.uuid4())


URLS = {"database": "/databases/", "page": "/pages/", "content": "/content/", "comment": "/comments/"}


@pytest.fixture
def submit(browser: Client):
    """Post one of the four forms as a browser would, CSRF token and one-time key included."""

    def post(action: str, key: str | None = None, client: Client | None = None, **fields: str):
        client = client or browser
        client.get("/")
        data = {f"{action}-{name}": value for name, value in fields.items()}
        data[f"{action}-submission_key"] = key or str(uuid.uuid4())
        data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
        return client.post(URLS[action], data)

    return post


@pytest.fixture(scope="session", autouse=True)
def static_files(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Collect the static files once, as a deployment does, for the pages to link them."""
    from django.conf import settings
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def files_root():
    """The folder of what the tests upload (tests/settings.py), removed at the end of the run."""
    from django.conf import settings

    yield settings.FILES_ROOT
    shutil.rmtree(settings.FILES_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The system checks of the test database's `migrate` open the audit connection before the
    test database is made (on SQLite, a file made anew): close it, for the tests to open it there."""
    from django.db import connections

    with django_db_blocker.unblock():
        connections["audit"].close()


@pytest.fixture(scope="session", autouse=True)
def close_connections_before_teardown(django_db_setup, django_db_blocker):
    """The audit connection shares the test database: close it so the database can be dropped."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        connections.close_all()


def database_url_for_children() -> str:
    """The URL of the test database, for the app processes some tests start."""
    from django.db import connections

    database = connections["default"].settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture
def child_env(settings):
    """The environment of a separate app process using the test database (and Redis, if the tests
    use it) and a served fake Notion."""

    def env(base_url: str, **more: str) -> dict[str, str]:
        return {
            "PATH": os.environ["PATH"],
            "ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "notionforms.settings",
            "SECRET_KEY": "tests-only",
            "DATABASE_URL": database_url_for_children(),
            "NOTION_KEY": TOKEN,
            "NOTION_BASE_URL": base_url,
            "REDIS_URL": settings.REDIS_URL,
            "LOG_LEVEL": "WARNING",
            **more,
        }

    return env
