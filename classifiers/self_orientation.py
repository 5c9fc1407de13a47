"""Self-orientation (S): detectors for the SO rules in `rules/self_orientation.toml`."""

from __future__ import annotations
