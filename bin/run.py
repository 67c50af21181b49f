"""`make run`'s last step: the web server and one background worker, together, until Ctrl-C.

Usage: python bin/run.py [ADDRESS:PORT]. Ctrl-C stops both (the terminal sends it to each);
if either stops by itself, the other is stopped too.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(address: str = "127.0.0.1:8000") -> int:
    python = sys.executable
    children = [
        subprocess.Popen([python, "manage.py", "runserver", address], cwd=ROOT),
        subprocess.Popen([python, "manage.py", "db_worker"], cwd=ROOT),
    ]
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:  # a worker still finishing a job's request
                child.kill()
                child.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
