"""The trial as data: the protocol model, the built-in NCT02672488, registry import, review."""

from metsor.protocol.builtin import builtin, known_protocols
from metsor.protocol.model import (
    Arm,
    Assumptions,
    Correction,
    Criterion,
    Dose,
    EndpointRules,
    Intervention,
    Outcome,
    Protocol,
)
from metsor.protocol.registry import from_ctgov_v2
from metsor.protocol.review import Finding, review_protocol

__all__ = [
    "Arm",
    "Assumptions",
    "Correction",
    "Criterion",
    "Dose",
    "EndpointRules",
    "Finding",
    "Intervention",
    "Outcome",
    "Protocol",
    "builtin",
    "from_ctgov_v2",
    "known_protocols",
    "review_protocol",
]
