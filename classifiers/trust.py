"""Trust-equation parts C, R, I: detectors for the CR, RE and IN rules."""

from __future__ import annotations
