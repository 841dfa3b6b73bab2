"""CPU work off the event loop, in bounded thread pools.

A handler that computes on the event loop stalls every other request of its worker: with 4 clients sending
/v1/explain with all answers, /healthz waited up to a quarter of a second. Every CPU-bound handler hands its
work to a small pool instead, so the loop stays free to accept connections, read bodies and answer cheap
requests. The pools are small on purpose: with the GIL more threads add no throughput for Python code, they
only make the loop wait longer for its turn (and each new thread may get its own malloc arena). Measured
with `symcheck bench api` (4 clients sending /v1/explain with 181 answers, on a busy 2-core machine): one
CPU thread gave /healthz a p50 of 8-10 ms against 13-29 ms with two, for about the same explains per second.

The rare-disease ranker has its own pool of one thread and a bounded queue: each ranking allocates tens of
megabytes, so running them one at a time keeps peak memory the same whether 2 or 200 callers wait, and a
caller beyond the queue gets 503 with Retry-After instead of more memory.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from symcheck.errors import InputError, SymcheckError

T = TypeVar("T")

SWITCH_INTERVAL_ENV = "SYMCHECK_SWITCH_INTERVAL_MS"
DEFAULT_SWITCH_INTERVAL_MS = 0.5
CPU_THREADS_ENV = "SYMCHECK_CPU_THREADS"
RARE_QUEUE_ENV = "SYMCHECK_RARE_QUEUE"
DEFAULT_CPU_THREADS = 1
DEFAULT_RARE_QUEUE = 16


class Busy(SymcheckError):
    """The server is at a bound it set itself (a queue is full, the database is locked): try again later."""

    def __init__(self, message: str, retry_after: int = 1):
        self.retry_after = retry_after
        super().__init__(message)


def _setting(name: str, value: int | None, default: int, low: int, high: int) -> int:
    if value is None:
        raw = os.environ.get(name, "")
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise InputError(name, f"{raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise InputError(name, f"must be from {low} to {high}, got {value}")
    return value


def set_switch_interval(ms: float | None = None) -> float:
    """How long a thread may hold the GIL while another waits for it. The event loop gives up the GIL at
    every poll for I/O and must win it back each time, so with the default 5 ms a request that takes a
    dozen loop iterations waits up to a dozen times 5 ms behind the CPU threads. A shorter interval
    bounds that wait; it costs the CPU threads a little in switching."""
    if ms is None:
        raw = os.environ.get(SWITCH_INTERVAL_ENV, "")
        try:
            ms = float(raw) if raw else DEFAULT_SWITCH_INTERVAL_MS
        except ValueError:
            raise InputError(SWITCH_INTERVAL_ENV, f"{raw!r} is not a number of milliseconds") from None
    if not 0.05 <= ms <= 100:
        raise InputError(SWITCH_INTERVAL_ENV, "must be from 0.05 to 100 ms")
    sys.setswitchinterval(ms / 1000)
    return ms


class Pools:
    def __init__(self, cpu_threads: int | None = None, rare_queue: int | None = None):
        self.cpu_threads = _setting(CPU_THREADS_ENV, cpu_threads, DEFAULT_CPU_THREADS, 1, 64)
        self.rare_queue = _setting(RARE_QUEUE_ENV, rare_queue, DEFAULT_RARE_QUEUE, 1, 10_000)
        self._cpu: ThreadPoolExecutor | None = None
        self._rare: ThreadPoolExecutor | None = None
        self._rare_waiting = 0  # only touched on the event loop thread

    # Made on first use and again after shutdown (an app may be started more than once, as in tests).
    @property
    def cpu(self) -> ThreadPoolExecutor:
        if self._cpu is None:
            self._cpu = ThreadPoolExecutor(self.cpu_threads, thread_name_prefix="symcheck-cpu")
        return self._cpu

    @property
    def rare(self) -> ThreadPoolExecutor:
        if self._rare is None:
            self._rare = ThreadPoolExecutor(1, thread_name_prefix="symcheck-rare")
        return self._rare

    async def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``func(*args, **kwargs)`` in the CPU pool."""
        return await asyncio.get_running_loop().run_in_executor(self.cpu, functools.partial(func, *args, **kwargs))

    async def run_rare(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``func(*args, **kwargs)`` in the rare-disease pool, or Busy when its queue is full."""
        if self._rare_waiting >= self.rare_queue:
            raise Busy(f"the rare-disease ranker is busy ({self._rare_waiting} requests waiting); retry shortly",
                       retry_after=2)
        self._rare_waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.rare,
                                                                    functools.partial(func, *args, **kwargs))
        finally:
            self._rare_waiting -= 1

    def shutdown(self) -> None:
        for pool in (self._cpu, self._rare):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self._cpu = self._rare = None
