"""A pytest plugin: the processes the tests start are the tests' to stop.

Every process a test starts must be stopped by the test, by its PID, even when it fails. This
plugin makes the run the reaper of every process it starts, its children's children included
(an orphan comes back to it instead of init), and fails the run if any is still alive at the end.
It also gives the processes the tests start SIGINT as a terminal does: a run started in the
background (a script, CI) inherits SIGINT ignored, as POSIX shells give it to background jobs,
and every process the tests start would inherit that too.
"""

import ctypes
import os
import signal
from pathlib import Path

import pytest

PR_SET_CHILD_SUBREAPER = 36


def pytest_configure(config: pytest.Config) -> None:
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def children() -> dict[int, str]:
    """This process's living children, orphans that came back to it included: pid → command."""
    me = str(os.getpid())
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            if parent == me and state != "Z":
                command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(stat.parent.name)] = command.decode(errors="replace").strip()
        except (OSError, ValueError):  # gone meanwhile
            continue
    return found


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    left = children()
    if not left:
        return
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    reporter.write_line("Processes the tests started were still running at the end (now killed):", red=True)
    for pid, command in sorted(left.items()):
        reporter.write_line(f"  pid {pid}: {command}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
