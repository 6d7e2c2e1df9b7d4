"""Run the linter under a per-request time budget.

On the event loop's own thread (uvicorn's main thread): the evaluation runs inline and a one-shot interval timer
(SIGALRM) interrupts it when the budget passes. Handing each evaluation to a thread pool instead costs about a
third of the throughput and multiplies the p99 several times over (bench/README-webhook.md): the loop and the
evaluation thread are both CPU-bound and hand the GIL to each other on Python's 5 ms switch interval.

The price: while an evaluation runs, other requests wait for it, at most one time budget. An evaluation stuck
in C code (a regular expression gone exponential) cannot be interrupted by either design; the event loop then
stops answering /healthz and the kubelet restarts the pod.

Anywhere else (no main thread, no SIGALRM, or a SIGALRM handler that is not ours) evaluations go to a thread
pool and the budget is enforced from the event loop; `stuck_seconds` lets /healthz report a thread that never
comes back.
"""
from __future__ import annotations

import asyncio
import itertools
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable


class BudgetExceeded(BaseException):
    """Raised into the evaluation when its budget passes. A BaseException, so that no `except Exception` in the
    code it interrupts can swallow it."""

    def __init__(self, budget: float):
        super().__init__(f"evaluation exceeded its time budget of {budget:g}s")
        self.budget = budget


class Evaluator:
    def __init__(self, budget_seconds: float, threads: int = 4):
        self.budget = budget_seconds
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None
        self._inline: bool | None = None  # decided on the first evaluation, on the loop's thread
        self._armed = False
        self._started = 0.0
        self._running: dict[int, float] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count()

    @property
    def mode(self) -> str:
        return {True: "inline", False: "threads", None: "undecided"}[self._inline]

    def prepare(self) -> str:
        """Choose inline or threads; call on the event loop's thread (the app's lifespan does)."""
        if self._inline is None:
            self._inline = self._install_alarm()
        return self.mode

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` within the budget; raises BudgetExceeded, or whatever `fn` raised."""
        if self._inline is None:
            self.prepare()
        if self._inline:
            return self._interruptible(fn, *args)
        loop = asyncio.get_running_loop()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="policylint-eval")
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
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self._inline:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)

    # -- inline, interrupted by SIGALRM ----------------------------------------------------------------------

    def _install_alarm(self) -> bool:
        if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
            return False
        if signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None):
            return False  # someone else's alarm: do not take it over
        signal.signal(signal.SIGALRM, self._on_alarm)
        return True

    def _on_alarm(self, signum: int, frame: Any) -> None:
        # The timer is not disarmed after each evaluation (see _interruptible): an alarm is acted on only while
        # an evaluation runs and once half its budget has passed, so a late one is ignored. (A genuine alarm
        # comes a whole budget after its evaluation started; a late one can only reach an evaluation that has
        # just begun, since arming the timer replaces one still pending.)
        if self._armed and time.monotonic() - self._started >= self.budget / 2:
            self._armed = False
            raise BudgetExceeded(self.budget)

    def _interruptible(self, fn: Callable[..., Any], *args: Any) -> Any:
        # One setitimer a request, not two: the timer is left to expire after the evaluation (a single ignored
        # SIGALRM once the webhook goes idle), since arming it again for the next one replaces it anyway.
        self._started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, self.budget)
        self._armed = True
        try:
            return fn(*args)
        finally:
            self._armed = False

    # -- bookkeeping -------------------------------------------------------------------------------------------

    def _timed(self, fn: Callable[..., Any], args: tuple) -> Any:
        token = next(self._ids)
        with self._lock:
            self._running[token] = time.monotonic()
        try:
            return fn(*args)
        finally:
            with self._lock:
                del self._running[token]
