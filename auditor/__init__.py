"""Trust Auditor: catches trust withdrawals in business writing before it is sent."""

from auditor import learned as _learned  # noqa: F401  registers the learned-model enricher
from auditor.config import Config, load_config
from auditor.engine import audit
from auditor.ingest import InputError
from auditor.report import Report
from classifiers.findings import Edit, Finding, Suggestion, apply_edits

__all__ = [
    "Config",
    "Edit",
    "Finding",
    "InputError",
    "Report",
    "Suggestion",
    "apply_edits",
    "audit",
    "load_config",
]
