"""`.policylint.yaml`: discovery, JSON Schema validation, and the per-rule view the engine uses."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from .model import Severity

CONFIG_NAMES = (".policylint.yaml", ".policylint.yml")
_SCHEMA_PATH = Path(__file__).parent / "schemas" / "config.schema.json"
_FACTS_DIR = Path(__file__).parent / "schemas" / "facts"


class ConfigError(Exception):
    """A config file that cannot be used; the CLI exits with status 2."""


@dataclass(frozen=True)
class RuleSettings:
    enabled: bool | None = None
    severity: Severity | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    data: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def rule_settings(self, rule_id: str) -> RuleSettings:
        raw = self.data.get("rules", {}).get(rule_id)
        if not raw:
            return RuleSettings()
        sev = raw.get("severity")
        return RuleSettings(raw.get("enabled"), Severity(sev) if sev else None, raw.get("params", {}))

    @property
    def enable(self) -> tuple[str, ...]:
        return tuple(self.data.get("enable", ()))

    @property
    def disable(self) -> tuple[str, ...]:
        return tuple(self.data.get("disable", ()))

    @property
    def exclude(self) -> tuple[str, ...]:
        return tuple(self.data.get("exclude", ()))

    @property
    def rule_dirs(self) -> tuple[Path, ...]:
        return tuple((self.base_dir / d).resolve() for d in self.data.get("rule_dirs", ()))

    @property
    def fail_on(self) -> str | None:
        return self.data.get("fail_on")


def find_config(start: Path | None = None) -> Path | None:
    """The nearest `.policylint.yaml` in `start` or any parent directory."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def load_config(path: str | os.PathLike | None = None, *, discover: bool = True) -> Config:
    """Load and validate a config file; with no path, discover one upward from the working directory."""
    if path is None:
        found = find_config() if discover else None
        if found is None:
            return Config()
        path = found
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config is not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{where}: invalid YAML in config: {problem}") from None
    if data is None:
        data = {}
    validate_config(data, str(path))
    return Config(data=data, path=path)


def validate_config(data: Any, origin: str = "config") -> None:
    import jsonschema  # only configs pay for jsonschema's import

    schema = json.loads(_SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if not errors and isinstance(data, dict):
        # Each facts section (cluster, mesh, regions, ...) has its own schema, owned by the rules that read it.
        for section, section_schema in _facts_schemas().items():
            if section in data:
                validator = jsonschema.Draft202012Validator(section_schema)
                errors.extend(_prefixed(err, section) for err in validator.iter_errors(data[section]))
    errors.sort(key=lambda e: ([str(p) for p in e.absolute_path], e.message))
    if errors:
        lines = [f"{origin}: invalid config:"]
        for err in errors:
            lines.append(f"  {_describe(err)}")
        raise ConfigError("\n".join(lines))


def _facts_schemas() -> dict[str, dict]:
    return {
        path.name.removesuffix(".schema.json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(_FACTS_DIR.glob("*.schema.json"))
    }


def _prefixed(err, section: str):
    err.path.appendleft(section)
    return err


def _describe(err) -> str:
    where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        return f"{where}: unknown key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}"
    if err.validator == "propertyNames":
        return f"{where}: {err.message} (rule ids look like SE101)"
    return f"{where}: {err.message}"
