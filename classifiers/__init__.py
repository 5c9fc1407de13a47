"""Pure rating logic: text in, findings and scores out. No I/O beyond package data; never imports auditor."""

from classifiers.findings import CATEGORIES, SEVERITIES, Edit, Finding, Suggestion

__all__ = ["CATEGORIES", "SEVERITIES", "Edit", "Finding", "Suggestion"]
