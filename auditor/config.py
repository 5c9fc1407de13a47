"""Team configuration, read like ruff/Vale: `.trust-auditor.toml` or `[tool.trust-auditor]`.

```toml
select = ["SO", "VA101"]        # rule codes or prefixes; default: all
ignore = ["LM104"]
max_chars = 200000
banned_phrases = { "synergy" = "Say what the two teams will actually do together." }
preferred_terms = { "utilize" = "use" }

[thresholds.email]               # verdict cut-offs on the trust score, and the length budget
rewrite_below = 35
review_below = 55
max_words = 200
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_NAMES = (".trust-auditor.toml", "trust-auditor.toml")

DEFAULT_THRESHOLDS: dict[str, dict[str, float]] = {
    "email": {"rewrite_below": 35, "review_below": 55, "max_words": 200},
    "social": {"rewrite_below": 35, "review_below": 55, "max_words": 300},
    "blog": {"rewrite_below": 30, "review_below": 50, "max_words": 3000},
    "page": {"rewrite_below": 30, "review_below": 50, "max_words": 2500},
    "headline": {"rewrite_below": 35, "review_below": 55, "max_words": 18},
}


class ConfigError(ValueError):
    pass


@dataclass
class Config:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    max_chars: int = 200_000
    banned_phrases: dict[str, str] = field(default_factory=dict)
    preferred_terms: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_THRESHOLDS.items()}
    )
    source: str | None = None

    def enabled(self, code: str) -> bool:
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        return not any(code.startswith(p) for p in self.ignore)

    def threshold(self, kind: str, name: str) -> float:
        return self.thresholds.get(kind, DEFAULT_THRESHOLDS["email"])[name]

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str | None = None) -> Config:
        known = {"select", "ignore", "max_chars", "banned_phrases", "preferred_terms", "thresholds"}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"{source or 'config'}: unknown keys {sorted(unknown)}")
        cfg = cls(source=source)
        for key in ("select", "ignore"):
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{source or 'config'}: {key} must be a list of rule codes")
            setattr(cfg, key, [v.upper() for v in value])
        if "max_chars" in data:
            if not isinstance(data["max_chars"], int) or data["max_chars"] <= 0:
                raise ConfigError(f"{source or 'config'}: max_chars must be a positive integer")
            cfg.max_chars = data["max_chars"]
        for key in ("banned_phrases", "preferred_terms"):
            value = data.get(key, {})
            if isinstance(value, list):
                value = {v: "" for v in value}
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{source or 'config'}: {key} must map phrases to text")
            setattr(cfg, key, dict(value))
        for kind, values in data.get("thresholds", {}).items():
            if kind not in DEFAULT_THRESHOLDS or not isinstance(values, dict):
                raise ConfigError(f"{source or 'config'}: thresholds.{kind} is not a known kind")
            for name, v in values.items():
                if name not in DEFAULT_THRESHOLDS[kind] or not isinstance(v, int | float):
                    raise ConfigError(
                        f"{source or 'config'}: thresholds.{kind}.{name} is not valid"
                    )
                cfg.thresholds[kind][name] = float(v)
        return cfg


def load_config(path: str | Path | None = None, start: str | Path | None = None) -> Config:
    """Load an explicit file, or the nearest config file above `start` (default: cwd)."""
    if path is not None:
        return _load_file(Path(path))
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return _load_file(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
            section = data.get("tool", {}).get("trust-auditor")
            if section is not None:
                return Config.from_mapping(section, str(pyproject))
    return Config()


def _load_file(path: Path) -> Config:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read config {path}: {e.strerror}") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("trust-auditor", {})
    return Config.from_mapping(data, str(path))
