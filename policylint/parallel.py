"""`--jobs N`: phase 1 (load + per-document rules) in forked worker processes.

Workers inherit the compiled rules through fork, so nothing is compiled twice. Files go out in contiguous
chunks and come back in order, so the output is the same as with one process.
"""
from __future__ import annotations

import multiprocessing

_ENGINE = None


def _work(sources):
    from .api import process_source

    return [process_source(_ENGINE, source) for source in sources]


def process_in_workers(engine, sources: list, jobs: int, progress=None) -> list:
    global _ENGINE
    _ENGINE = engine
    # Small chunks balance the load; large ones amortise the per-task pickling.
    size = max(1, min(64, len(sources) // (jobs * 8) or 1))
    chunks = [sources[i:i + size] for i in range(0, len(sources), size)]
    outcomes: list = []
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs) as pool:
        for batch in pool.imap(_work, chunks):
            outcomes.extend(batch)
            if progress:
                progress(len(outcomes), len(sources))
    _ENGINE = None
    return outcomes
