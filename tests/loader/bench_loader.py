"""Benchmark: policylint's loader (positions, checks, Documents) against plain PyYAML CSafeLoader.

Run: .venv/bin/python tests/loader/bench_loader.py [documents] [repeats] [--corpus]
Prints the best-of-N time of each and the ratio.  Not collected by pytest (no test_ prefix).
``--corpus``: use the files of ../shared/corpus/wild that PyYAML reads (repeated up to `documents`)
instead of the generated manifests.
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


def corpus_files(documents: int) -> list[str]:
    """Real files (only those plain PyYAML reads, so both sides do the same work), cycled to `documents`."""
    root = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "wild"
    usable = []
    for path in sorted(root.rglob("*.y*ml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "{{" in text or path.name.startswith(("values", "Chart")):
            continue
        try:
            count = sum(1 for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None)
        except yaml.YAMLError:
            continue
        if count and "kind: List" not in text:
            usable.append((text, count))
    files, total = [], 0
    while total < documents:
        for text, count in usable:
            files.append(text)
            total += count
            if total >= documents:
                break
    return files


def main() -> None:
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    documents = int(arguments[0]) if arguments else 10_000
    repeats = int(arguments[1]) if len(arguments) > 1 else 5
    files = corpus_files(documents) if "--corpus" in sys.argv else generate_files(documents)
    # alternate the order so that neither side always runs on a warm or cold machine
    base, base_count = best_of(plain, files, repeats)
    ours, our_count = best_of(policylint_loader, files, repeats)
    base2, _ = best_of(plain, files, repeats)
    base = min(base, base2)
    print(f"documents: {base_count} (policylint keeps {our_count} objects) in {len(files)} files, "
          f"best of {repeats}")
    print(f"plain yaml.load_all(CSafeLoader): {base:.3f} s")
    print(f"policylint load_text:             {ours:.3f} s")
    print(f"ratio: {ours / base:.3f}")


if __name__ == "__main__":
    main()
