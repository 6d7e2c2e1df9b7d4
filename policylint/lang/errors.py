"""Compile errors with compiler-style rendering (`file:line:col: error: message`, the source line, a caret)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CompileError:
    file: str
    line: int
    column: int
    message: str
    source_line: str

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: error: {self.message}"
        if not self.source_line:
            return text
        # Keep tabs in the caret's indentation so the caret lines up under the same character.
        indent = "".join("\t" if ch == "\t" else " " for ch in self.source_line[: max(self.column - 1, 0)])
        return f"{text}\n{self.source_line}\n{indent}^"


class RuleCompileError(Exception):
    """Every error found in the rule files of one compilation, in file order."""

    def __init__(self, errors: list[CompileError]) -> None:
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class ErrorSink:
    """Collects the errors of one rule file; knows the file's lines to quote them."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.errors: list[CompileError] = []

    def source_line(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def add(self, line: int, column: int, message: str) -> None:
        error = CompileError(self.file, line, column, message, self.source_line(line))
        if error not in self.errors:
            self.errors.append(error)
