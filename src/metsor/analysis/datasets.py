"""The trial's analysis read from its analysis datasets (ADTTE, ADRS rows).

Rows are mappings as the endpoints derive them or as read back from the exported CSV files
(values may be text). A time-to-event parameter is analysed from ``AVAL`` (months) and
``CNSR`` (1 = censored), by ``ARMCD``, stratified by ``STRATUM`` (the randomization strata) as
the primary analysis with the unstratified one beside it; a response parameter from ``AVAL``
(1 = responder). The report, the registry results section, the virtual trial and
``metsor analyze`` on the exported ADTTE all take their figures from here, so they agree to
the last digit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from metsor.analysis.response import ResponseComparison, compare_response
from metsor.analysis.survival import ConfType, SurvivalComparison, compare_survival
from metsor.errors import InputError

__all__ = [
    "RESPONSE_PARAMS",
    "TIME_TO_EVENT_PARAMS",
    "TrialAnalysis",
    "analyse_adrs",
    "analyse_adtte",
    "analyse_trial",
]

#: ADTTE parameters analysed: full follow-up, then censored at 12 months (as registered).
TIME_TO_EVENT_PARAMS: tuple[str, ...] = ("OS", "TTP", "PFS", "OS12", "TTP12", "PFS12")

#: ADRS objective-response parameters and the criterion each follows (primary first).
RESPONSE_PARAMS: tuple[tuple[str, str], ...] = (
    ("ORR_MRECIST", "mRECIST"),
    ("ORR_RECIST", "RECIST 1.1"),
)

Row = Mapping[str, Any]


@dataclass(frozen=True)
class TrialAnalysis:
    """Every endpoint and response criterion of a trial compared between its two arms."""

    reference: str
    experimental: str
    endpoints: dict[str, SurvivalComparison]
    responses: dict[str, ResponseComparison]
    labels: dict[str, str]


def analyse_adtte(
    rows: Sequence[Row],
    param: str,
    *,
    reference: str,
    experimental: str,
    stratified: bool = True,
    conf_type: ConfType = "log-log",
    at: Sequence[float] = (),
    tau: float | None = None,
) -> SurvivalComparison:
    """Compare one ADTTE parameter between two arms.

    Parameters
    ----------
    rows
        ADTTE rows (``PARAMCD``, ``AVAL``, ``CNSR``, ``ARMCD``, ``STRATUM``).
    param
        The ``PARAMCD`` to analyse.
    reference, experimental
        Arm codes (``ARMCD``).
    stratified
        Whether the primary log-rank test and Cox model are stratified by ``STRATUM``.
    conf_type, at, tau
        As :func:`metsor.analysis.compare_survival`.

    Returns
    -------
    SurvivalComparison

    Raises
    ------
    InputError
        If no row has the parameter, or a value is unusable (naming the row and column).
    """
    selected = _rows_of(rows, param, "ADTTE")
    time = [_number(row, "AVAL", i) for i, row in selected]
    censored = [_flag(row, "CNSR", i) for i, row in selected]
    arm = [_text(row, "ARMCD", i) for i, row in selected]
    strata = [_text(row, "STRATUM", i) for i, row in selected] if stratified else None
    return compare_survival(
        time,
        [1 - c for c in censored],
        arm,
        reference=reference,
        experimental=experimental,
        strata=strata,
        conf_type=conf_type,
        at=at,
        tau=tau,
    )


def analyse_adrs(
    rows: Sequence[Row],
    param: str,
    *,
    reference: str,
    experimental: str,
    criterion: str = "",
) -> ResponseComparison:
    """Compare one ADRS response parameter (``AVAL`` 1 = responder) between two arms."""
    selected = _rows_of(rows, param, "ADRS")
    return compare_response(
        [_flag(row, "AVAL", i) for i, row in selected],
        [_text(row, "ARMCD", i) for i, row in selected],
        reference=reference,
        experimental=experimental,
        criterion=criterion,
    )


def analyse_trial(
    adtte: Sequence[Row],
    adrs: Sequence[Row],
    *,
    reference: str,
    experimental: str,
    params: Sequence[str] = TIME_TO_EVENT_PARAMS,
    response_params: Sequence[tuple[str, str]] = RESPONSE_PARAMS,
    at: Sequence[float] = (6.0, 12.0),
    tau: float | None = 12.0,
) -> TrialAnalysis:
    """Every time-to-event parameter and response criterion of a trial, stratified by the
    randomization strata (unstratified beside it).

    Parameters
    ----------
    adtte, adrs
        The trial's analysis dataset rows.
    reference, experimental
        Arm codes.
    params
        ADTTE parameters to analyse (those with no rows are skipped).
    response_params
        ``(PARAMCD, criterion)`` pairs of ADRS.
    at, tau
        Times for survival rates, and the RMST horizon, in months.

    Returns
    -------
    TrialAnalysis
    """
    present = {str(row.get("PARAMCD")) for row in adtte}
    endpoints = {
        param: analyse_adtte(
            adtte, param, reference=reference, experimental=experimental, at=at, tau=tau
        )
        for param in params
        if param in present
    }
    labels: dict[str, str] = {}
    for row in adtte:
        code = str(row.get("PARAMCD"))
        labels.setdefault(code, str(row.get("PARAM", code)).removesuffix(" (months)"))
    present_rs = {str(row.get("PARAMCD")) for row in adrs}
    responses = {
        param: analyse_adrs(
            adrs, param, reference=reference, experimental=experimental, criterion=criterion
        )
        for param, criterion in response_params
        if param in present_rs
    }
    return TrialAnalysis(reference, experimental, endpoints, responses, labels)


def _rows_of(rows: Sequence[Row], param: str, dataset: str) -> list[tuple[int, Row]]:
    selected = [(i, row) for i, row in enumerate(rows, start=1) if row.get("PARAMCD") == param]
    if not selected:
        raise InputError(f"{dataset} has no rows of parameter {param}", field="PARAMCD")
    return selected


def _value(row: Row, column: str, index: int) -> Any:
    if column not in row:
        raise InputError(f"row {index}: no column {column}", field=column)
    return row[column]


def _number(row: Row, column: str, index: int) -> float:
    value = _value(row, column, index)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"row {index}: {column} must be a number, not {value!r}", field=column
        ) from None
    if not math.isfinite(number) or number < 0:
        raise InputError(f"row {index}: {column} must be >= 0, not {value!r}", field=column)
    return number


def _flag(row: Row, column: str, index: int) -> int:
    value = _value(row, column, index)
    if str(value).strip() in ("0", "1", "0.0", "1.0"):
        return int(float(value))
    raise InputError(f"row {index}: {column} must be 0 or 1, not {value!r}", field=column)


def _text(row: Row, column: str, index: int) -> str:
    value = _value(row, column, index)
    if value is None or str(value) == "":
        raise InputError(f"row {index}: {column} is empty", field=column)
    return str(value)
