"""The run fails if a process a test started is still alive at its end (tests/processes.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LEAKS = """
import subprocess, sys

def test_it_starts_a_process_and_forgets_it(tmp_path):
    # A grandchild whose parent exits at once: an orphan, as a server's own child would be.
    code = "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])"
    subprocess.run([sys.executable, "-c", code], check=True)
"""

STOPS = """
import subprocess, sys

def test_it_starts_a_process_and_stops_it():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    child.kill()
    child.wait()
"""


def run_pytest(tmp_path: Path, source: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_inner.py").write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.processes", "-p", "no:django", "-p", "no:cacheprovider",
         "-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path / "test_inner.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.no_db
def test_a_run_that_leaves_a_process_behind_fails_naming_it_and_kills_it(tmp_path):
    result = run_pytest(tmp_path, LEAKS)

    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "1 passed" in result.stdout
    assert "Processes the tests started were still running at the end (now killed):" in result.stdout
    [line] = [line for line in result.stdout.splitlines() if "time.sleep(600)" in line]
    pid = int(line.split()[1].rstrip(":"))
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


@pytest.mark.no_db
def test_a_run_whose_tests_stop_their_processes_passes(tmp_path):
    result = run_pytest(tmp_path, STOPS)

    assert result.returncode == pytest.ExitCode.OK, result.stdout
    assert "still running" not in result.stdout
