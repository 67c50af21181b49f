"""gunicorn.conf.py with each worker under cProfile, its figures written to BENCH_PROFILE.<pid>
when the worker stops: `gunicorn -c bench/gunicorn_profiled.py` (bench.overhead --profile)."""

import cProfile
import os
from pathlib import Path

exec((Path(__file__).resolve().parent.parent / "gunicorn.conf.py").read_text())

_profiler = cProfile.Profile()


def post_fork(server: object, worker: object) -> None:
    _profiler.enable()


def worker_exit(server: object, worker: object) -> None:
    _profiler.disable()
    _profiler.dump_stats(f"{os.environ['BENCH_PROFILE']}.{os.getpid()}")
