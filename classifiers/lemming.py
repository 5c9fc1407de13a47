"""Lemming (me-too) sameness: detectors for the LM rules in `rules/lemming.toml`."""

from __future__ import annotations
