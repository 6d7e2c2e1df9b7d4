"""Benchmark: policylint's loader (positions, checks, Documents) against plain PyYAML CSafeLoader.

Run: .venv/bin/python tests/loader/bench_loader.py [documents] [repeats]
Prints the best-of-N time of each and the ratio.  Not collected by pytest (no test_ prefix).
"""
from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_corpus import generate_files  # noqa: E402

from policylint.loader import load_text  # noqa: E402


def plain(files: list[str]) -> int:
    count = 0
    for text in files:
        for data in yaml.load_all(text, Loader=yaml.CSafeLoader):
            count += data is not None
    return count


def policylint_loader(files: list[str]) -> int:
    count = 0
    for text in files:
        result = load_text(text, "bench.yaml")
        count += len(result.documents)
    return count


def best_of(function, files, repeats: int) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        count = function(files)
        times.append(time.perf_counter() - start)
    return min(times), count


def main() -> None:
    documents = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    files = generate_files(documents)
    # alternate the order so that neither side always runs on a warm or cold machine
    base, base_count = best_of(plain, files, repeats)
    ours, our_count = best_of(policylint_loader, files, repeats)
    base2, _ = best_of(plain, files, repeats)
    base = min(base, base2)
    assert base_count == our_count == documents, (base_count, our_count)
    print(f"documents: {documents} in {len(files)} files, best of {repeats}")
    print(f"plain yaml.load_all(CSafeLoader): {base:.3f} s")
    print(f"policylint load_text:             {ours:.3f} s")
    print(f"ratio: {ours / base:.3f}")


if __name__ == "__main__":
    main()
