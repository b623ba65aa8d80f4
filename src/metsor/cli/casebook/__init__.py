"""Casebook commands: record a subject's course, raise and answer queries, correct values,
export analysis datasets.

- ``metsor record visit|missed-visit|dose|lab|vitals|ae|tumour|death|withdrawal|therapy|
  survival SUBJECT_ID …``: one record
  each; ``ae`` and ``tumour`` also read a JSON object with ``--file`` (its keys are the
  options' names with underscores: ``lesions``, ``relatedness``, ``action_taken``, …).
- ``metsor queries raise|answer|close|list``.
- ``metsor correct TABLE RECORD_ID FIELD VALUE --reason TEXT``.
- ``metsor datasets export --out DIR [--cutoff DATE]``: ``adsl.csv``, ``adtte.csv``,
  ``adrs.csv``, ``adae.csv``.

Every command takes ``--db URL`` (else ``METSOR_DATABASE_URL``, else the SQLite file of
:func:`metsor.config.settings`), ``--json``, and ``--user NAME`` (else ``METSOR_USER``). Errors
a user can cause print ``error: …`` on stderr and exit with code 2.
"""

from __future__ import annotations

import typer

from metsor.cli.casebook import follow_up as _follow_up  # noqa: F401  (adds record commands)
from metsor.cli.casebook import missed_visit as _missed_visit  # noqa: F401  (adds a command)
from metsor.cli.casebook.correct import correct
from metsor.cli.casebook.datasets import datasets_app
from metsor.cli.casebook.queries import queries_app
from metsor.cli.casebook.record import record_app

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the casebook commands to the application."""
    app.add_typer(record_app, name="record")
    app.add_typer(queries_app, name="queries")
    app.add_typer(datasets_app, name="datasets")
    app.command("correct")(correct)
