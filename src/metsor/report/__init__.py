"""The clinical study report: figures (matplotlib), tables, the CONSORT diagram, HTML and PDF.

``metsor report`` reads the trial at a data cut-off (:mod:`metsor.services.trial_data`),
analyses it with :mod:`metsor.analysis` and writes ``report.html`` and ``report.pdf``
(:func:`write_report`). Every figure comes from the analysis results; nothing is estimated
here.
"""

from metsor.report.build import BuiltReport, build_report, write_report

__all__ = ["BuiltReport", "build_report", "write_report"]
