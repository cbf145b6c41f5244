"""``ModelsConfig`` from a YAML file and command-line flags (no torch import)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..config import ModelsConfig
from ..errors import ConfigError


def models_config(path: str | None = None, **overrides: Any) -> ModelsConfig:
    """Read ``path`` (a YAML mapping of ModelsConfig fields), then apply the non-None overrides."""
    values: dict[str, Any] = {}
    if path:
        import yaml

        try:
            with open(path, encoding="utf-8") as handle:
                data = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read the models file: {exc}", file=path) from None
        if not isinstance(data, dict):
            raise ConfigError("must be a mapping of model settings", file=path)
        known = {f.name for f in dataclasses.fields(ModelsConfig)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown keys {unknown} (known: {sorted(known)})", file=path)
        values.update({k.replace("-", "_"): v for k, v in data.items()})
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return ModelsConfig(**values)
    except TypeError as exc:
        raise ConfigError(f"bad model settings: {exc}", file=path) from None
