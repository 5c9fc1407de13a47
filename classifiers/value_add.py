"""Value-add: detectors for the VA rules in `rules/value_add.toml`."""

from __future__ import annotations
