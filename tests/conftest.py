import os
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
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:  # a run meant to use Redis fails at once without it, rather than skip or stall
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
        except redis.RedisError as error:
            raise pytest.UsageError(f"TEST_REDIS_URL={redis_url} can't be reached: {error}") from None


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
def close_connections_before_teardown(django_db_setup, django_db_blocker):
    """The audit connection shares the test database: close it so the database can be dropped."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        connections.close_all()


@pytest.fixture
def child_env(settings):
    """The environment of a separate app process using the test database (and Redis, if the tests
    use it) and a served fake Notion."""
    from django.db import connections

    database = connections["default"].settings_dict

    def env(base_url: str, **more: str) -> dict[str, str]:
        return {
            "PATH": os.environ["PATH"],
            "ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "notionforms.settings",
            "SECRET_KEY": "tests-only",
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "NOTION_KEY": TOKEN,
            "NOTION_BASE_URL": base_url,
            "REDIS_URL": settings.REDIS_URL,
            "LOG_LEVEL": "WARNING",
            **more,
        }

    return env
