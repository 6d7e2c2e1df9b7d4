"""Manifest loader: files, directories and stdin to Documents with field positions, and Problems.

See docs/design.md ("Documents") for the contract.  Modules: ``load`` (entry points), ``parse`` (one
chunk of YAML), ``yamlpos`` (the position-recording loader), ``guards`` (depth, aliases, templates),
``document`` / ``embedded`` (positions), ``suppress`` (ignore comments), ``classify`` / ``sources`` /
``reading`` (which files, how to read them), ``problems`` (PL0xx codes).
"""
from .classify import FileKind
from .document import Document, TextDocument
from .load import LoadResult, load_file, load_text
from .problems import PROBLEM_CODES, Problem
from .reading import DEFAULT_MAX_BYTES
from .sources import Source, iter_sources, load_source
from .suppress import NO_SUPPRESSIONS, Suppressions

__all__ = [
    "Document",
    "FileKind",
    "TextDocument",
    "Problem",
    "LoadResult",
    "Source",
    "load_file",
    "load_text",
    "iter_sources",
    "load_source",
    "PROBLEM_CODES",
    "DEFAULT_MAX_BYTES",
    "Suppressions",
    "NO_SUPPRESSIONS",
]
