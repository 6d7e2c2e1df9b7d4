"""`--jobs N`: both phases in forked worker processes, each owning a contiguous shard of the inputs.

Workers inherit the compiled rules through fork, so nothing is compiled twice. A worker loads its files and runs
the per-document rules (phase 1), sends its findings and index entries to the parent, receives the merged
entries of every shard in input order, and runs the lookup rules on the documents it kept (phase 2). Documents
never cross a process boundary: only findings and index entries do, so the report is the same as with one
process.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import traceback
from multiprocessing.connection import wait

# A worker reports progress every this many files.
_PROGRESS_EVERY = 25


def shard(sources: list, jobs: int) -> list[list]:
    """Contiguous shards of about equal size in bytes (input order is kept across shards)."""
    sizes = [_size(source) for source in sources]
    total = sum(sizes) or 1
    shards: list[list] = [[] for _ in range(jobs)]
    done = 0
    for source, size in zip(sources, sizes):
        # The shard is picked by the middle of this file: balanced bytes, contiguous order.
        index = min(jobs - 1, int((done + size / 2) * jobs / total))
        shards[index].append(source)
        done += size
    return [s for s in shards if s]


def _size(source) -> int:
    if source.path is None:
        return len(source.content or b"")
    try:
        return os.stat(source.path).st_size
    except OSError:
        return 0


def process_in_workers(engine, sources: list, jobs: int, progress=None, first: list = ()) -> tuple[list, dict]:
    """(findings of every phase, counts) for `sources`, using up to `jobs` processes. `first` holds outcomes
    made in this process (the --mesh-config file) that come before the sources."""
    from .indexes import IndexStore

    shards = shard(sources, jobs)
    ctx = multiprocessing.get_context("fork")
    links = []
    for part in shards:
        parent_end, child_end = ctx.Pipe()
        process = ctx.Process(target=_worker, args=(engine, part, child_end), daemon=True)
        process.start()
        child_end.close()
        links.append((parent_end, process))
    try:
        phase1 = _gather(links, "indexed", progress, len(sources))
        entries = [e for o in first for e in o.index_entries] + [e for _, part, _ in phase1 for e in part]
        merged = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        for conn, _ in links:
            conn.send_bytes(merged)
        phase2 = _gather(links, "checked")
    finally:
        for conn, process in links:
            conn.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    findings: list = []
    counts = {key: sum(getattr(o, key) for o in first) for key in ("documents", "skipped", "parse_errors")}
    if first:
        store = IndexStore(entries)
        for outcome in first:
            findings.extend(outcome.findings)
            findings.extend(engine.cross_findings(outcome.kept, store))
    for (local, _, shard_counts), cross in zip(phase1, phase2):
        findings.extend(local)
        findings.extend(cross[0])
        for key in counts:
            counts[key] += shard_counts[key]
    return findings, counts


def _gather(links, stage: str, progress=None, total: int = 0) -> list:
    """One message of kind `stage` from every worker, in shard order; progress messages on the way."""
    results: list = [None] * len(links)
    waiting = {conn: i for i, (conn, _) in enumerate(links)}
    done_files = [0] * len(links)
    while waiting:
        for conn in wait(list(waiting)):
            try:
                kind, *payload = conn.recv()
            except EOFError:
                raise RuntimeError("a policylint worker process died; run again with --jobs 1") from None
            i = waiting[conn]
            if kind == "progress":
                done_files[i] = payload[0]
                if progress:
                    progress(sum(done_files), total)
            elif kind == "failed":
                raise RuntimeError(f"a policylint worker failed:\n{payload[0]}")
            else:
                results[i] = payload
                del waiting[conn]
    return results


def _worker(engine, sources: list, conn) -> None:
    from .indexes import IndexStore
    from .loader import load_source

    gc.disable()  # short-lived and allocation-heavy: see api.lint_paths
    try:
        outcomes = []
        for done, source in enumerate(sources, 1):
            result = load_source(source)
            outcomes.append(engine.process_file(result.documents, result.problems, result.skipped))
            if done % _PROGRESS_EVERY == 0 or done == len(sources):
                conn.send(("progress", done))
        counts = {key: sum(getattr(o, key) for o in outcomes) for key in ("documents", "skipped", "parse_errors")}
        conn.send(("indexed", [f for o in outcomes for f in o.findings],
                   [e for o in outcomes for e in o.index_entries], counts))
        store = IndexStore(pickle.loads(conn.recv_bytes()))
        conn.send(("checked", engine.cross_findings([d for o in outcomes for d in o.kept], store)))
    except Exception:  # noqa: BLE001 - the parent reports it and stops
        conn.send(("failed", traceback.format_exc()))
    finally:
        conn.close()
