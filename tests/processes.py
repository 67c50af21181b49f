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
import subprocess
import time
from pathlib import Path

import httpx
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


def descendants(pid: int) -> set[int]:
    """Every living process under `pid`."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for listed in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                pids = {int(child) for child in listed.read_text().split()}
            except OSError:  # gone meanwhile
                continue
            todo += pids - found
            found |= pids
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop(process: subprocess.Popen, *, grace: float = 20) -> None:
    """Ask a process to stop (SIGTERM), kill it if it has not within `grace` seconds, then kill
    whatever it started that is still alive. For a test's teardown: whatever state it is in."""
    tree = descendants(process.pid)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid in tree | descendants(process.pid):
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def wait_until_serving(process: subprocess.Popen, url: str) -> None:
    """Wait until the server `process` answers `url`; fail at once if it ends instead."""
    while True:
        try:
            httpx.get(url, timeout=5)
            return
        except httpx.HTTPError:
            assert process.poll() is None, "the server ended before it answered"
            time.sleep(0.1)
