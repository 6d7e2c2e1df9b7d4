"""Run the linter off the event loop under a per-request time budget.

The budget is enforced from the event loop: when it passes, the request is answered by the failure mode while
the evaluation finishes (or not) on its thread. The event loop never waits for a rule, so /healthz, /metrics
and other requests keep being served. A few threads let one pathological object not stall everyone else;
`stuck_seconds` lets /healthz report a thread that never comes back, so the kubelet restarts the pod.
"""
from __future__ import annotations

import asyncio
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable


class BudgetExceeded(Exception):
    def __init__(self, budget: float):
        super().__init__(f"evaluation exceeded its time budget of {budget:g}s")
        self.budget = budget


class Evaluator:
    def __init__(self, budget_seconds: float, threads: int = 4):
        self.budget = budget_seconds
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="policylint-eval")
        self._running: dict[int, float] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count()

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` on an evaluation thread; raises BudgetExceeded, or whatever `fn` raised."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, self._timed, fn, args)
        try:
            return await asyncio.wait_for(future, self.budget)
        except asyncio.TimeoutError:
            raise BudgetExceeded(self.budget) from None

    def stuck_seconds(self) -> float:
        """How long the oldest evaluation still running has been running (0 when none)."""
        with self._lock:
            oldest = min(self._running.values(), default=None)
        return 0.0 if oldest is None else time.monotonic() - oldest

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _timed(self, fn: Callable[..., Any], args: tuple) -> Any:
        token = next(self._ids)
        with self._lock:
            self._running[token] = time.monotonic()
        try:
            return fn(*args)
        finally:
            with self._lock:
                del self._running[token]
