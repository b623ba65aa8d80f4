"""Analysis datasets shaped after CDISC ADaM: ADSL, ADTTE and ADRS, as lists of dicts.

Pure: each function takes subject courses and returns rows; writing CSV or XPT belongs to the
export layer. Every row holds every column of its dataset, in the order of the ``*_COLUMNS``
tuple; a value not known is None. Dates are :class:`datetime.date`.

ADSL — one row per randomized subject (all randomized subjects form the ITT population):
``STUDYID, USUBJID, SUBJID, SITEID, ARMCD, ARM, TRT01P, STRATUM, STRAT1R, …, STRATkR, RANDDT,
AGE, AGEU, SEX, RACE, ECOG, MVI, EHS, CHILDPGH, BCLC, AFP, AETIOL, ITTFL, DTHFL, DTHDT,
LSTALVDT, NACTDT, WDDT, LTFUDT`` (:func:`adsl_columns`). ``STRATnR`` is the level of the
protocol's n-th stratification factor as randomized, one column per factor
(:attr:`metsor.protocol.Protocol.stratification`): the stratum's levels are looked up among the
strata the factors define, never read by splitting its label; a stratum that is not one of them
leaves the columns empty. Baseline columns come from ``SubjectCourse.baseline`` keys
``age, sex, race, ecog, macrovascular_invasion, extrahepatic_spread, child_pugh_score,
bclc_stage, afp_ng_ml, aetiology`` (yes/no values as ``"Y"``/``"N"``; race in CDISC's upper-case
terms, ``"ASIAN"``). At a data cut-off, what happened after it is not shown: a
death, new anticancer therapy, withdrawal or loss to follow-up dated after the cut-off leaves
``DTHFL = "N"`` and the date empty, and a subject known alive after the cut-off (a later contact,
or a later death) has ``LSTALVDT`` = the cut-off, the date OS is censored at in ADTTE.

ADTTE — one row per subject and parameter, parameters in the order OS, TTP, PFS, then the same
administratively censored at the horizon (``OS12, TTP12, PFS12`` for 12 months; TTP and PFS at
the last adequate assessment on or before it):
``STUDYID, USUBJID, ARM, PARAMCD, PARAM, STARTDT, ADT, AVAL, AVALU, CNSR, EVENT, EVNTDESC,
CNSDTDSC, STRATUM, SITEID, ARMCD``. ``AVAL`` is in months (days / 30.4375); ``CNSR`` is 0 for
an event and 1 for censoring (ADaM); ``EVENT = 1 - CNSR``. ``EVNTDESC`` describes the event, or
gives the censoring reason; ``CNSDTDSC`` says what the censoring date is, and so records the
rule chosen: a TTP death without progression is censored at ``"last adequate tumour assessment
before death"`` (the protocol's default) or at ``"death"``; 12-month censoring is at the ``"last
adequate tumour assessment on or before the 12-month horizon"``. The rules are the protocol's
(:class:`metsor.protocol.model.EndpointRules`) unless others are given.

ADRS — per subject: ``BOR_MRECIST, BOR_RECIST`` (``AVALC`` CR/PR/SD/PD/NE, ``AVAL`` 1–5) and
``ORR_MRECIST, ORR_RECIST`` (``AVALC`` Y/N, ``AVAL`` 1/0), in that order. With confirmation
required (:attr:`~metsor.protocol.model.EndpointRules.orr_confirmation_required`) the codes are
``CBOR_*`` and ``CORR_*`` and ``PARAM`` says "confirmed (≥ 28 days)"; a minimum stable-disease
duration is named in ``PARAM`` ("SD ≥ 42 days"). Columns:
``STUDYID, USUBJID, ARM, PARAMCD, PARAM, AVALC, AVAL, STRATUM, SITEID, ARMCD``.

References
----------
CDISC Analysis Data Model (ADaM) Implementation Guide v1.3; ADaM Basic Data Structure for
Time-to-Event Analyses v1.0 (CNSR, EVNTDESC, CNSDTDSC).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

from metsor.endpoints.censoring import PROTOCOL_RULES, AssessmentSchedule
from metsor.endpoints.course import SubjectCourse, check_cutoff
from metsor.endpoints.response import best_response
from metsor.endpoints.time_to_event import (
    Criterion,
    TimeToEvent,
    overall_survival,
    progression_free_survival,
    time_to_progression,
)
from metsor.errors import InputError
from metsor.protocol.builtin import DEFAULT_NCT_ID, builtin
from metsor.protocol.model import EndpointRules
from metsor.protocol.stratification import StratificationFactor, stratum_levels

__all__ = [
    "ADRS_COLUMNS",
    "ADSL_COLUMNS",
    "ADTTE_COLUMNS",
    "adrs",
    "adsl",
    "adsl_columns",
    "adtte",
    "trial_identity",
]


def trial_identity(
    study_id: str | None, arm_labels: Mapping[str, str] | None
) -> tuple[str, Mapping[str, str]]:
    """STUDYID and the arm labels (ARM, TRT01P by ARMCD): those given, else the built-in
    protocol's (its NCT id and its arms' short labels)."""
    if study_id is not None and arm_labels is not None:
        return study_id, arm_labels
    protocol = builtin(DEFAULT_NCT_ID)
    return (
        protocol.nct_id if study_id is None else study_id,
        MappingProxyType(protocol.arm_labels) if arm_labels is None else arm_labels,
    )


_ADSL_BEFORE_STRATA: tuple[str, ...] = (
    "STUDYID", "USUBJID", "SUBJID", "SITEID", "ARMCD", "ARM", "TRT01P", "STRATUM",
)  # fmt: skip
_ADSL_AFTER_STRATA: tuple[str, ...] = (
    "RANDDT", "AGE", "AGEU", "SEX", "RACE", "ECOG", "MVI", "EHS", "CHILDPGH", "BCLC",
    "AFP", "AETIOL", "ITTFL", "DTHFL", "DTHDT", "LSTALVDT", "NACTDT", "WDDT", "LTFUDT",
)  # fmt: skip


def strata_columns(stratification: Sequence[StratificationFactor]) -> tuple[str, ...]:
    """``STRAT1R`` … ``STRATkR``: one column per stratification factor, in the protocol's order."""
    return tuple(f"STRAT{n}R" for n in range(1, len(stratification) + 1))


def adsl_columns(stratification: Sequence[StratificationFactor]) -> tuple[str, ...]:
    """The ADSL columns of a protocol with these stratification factors, in order."""
    return (*_ADSL_BEFORE_STRATA, *strata_columns(stratification), *_ADSL_AFTER_STRATA)


ADSL_COLUMNS: tuple[str, ...] = adsl_columns(builtin(DEFAULT_NCT_ID).stratification)
"""The ADSL columns of the built-in protocol, the default of :func:`adsl`."""

ADTTE_COLUMNS: tuple[str, ...] = (
    "STUDYID", "USUBJID", "ARM", "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "AVALU",
    "CNSR", "EVENT", "EVNTDESC", "CNSDTDSC", "STRATUM", "SITEID", "ARMCD",
)  # fmt: skip

ADRS_COLUMNS: tuple[str, ...] = (
    "STUDYID", "USUBJID", "ARM", "PARAMCD", "PARAM", "AVALC", "AVAL", "STRATUM", "SITEID",
    "ARMCD",
)  # fmt: skip

_RESPONSE_CODES: Mapping[str, int] = MappingProxyType({"CR": 1, "PR": 2, "SD": 3, "PD": 4, "NE": 5})
_CRITERION_LABELS: Mapping[str, str] = MappingProxyType(
    {"mrecist": "mRECIST", "recist": "RECIST 1.1"}
)


def _yes_no(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return "Y" if value.strip().lower() in ("y", "yes", "true", "1") else "N"
    return "Y" if value else "N"


def _as_is(value: Any) -> Any:
    return value


_RACES: Mapping[str, str] = MappingProxyType(
    {
        "asian": "ASIAN",
        "black": "BLACK OR AFRICAN AMERICAN",
        "white": "WHITE",
        "other": "OTHER",
    }
)


def _race(value: Any) -> Any:
    if isinstance(value, str):
        return _RACES.get(value.strip().lower(), value.upper())
    return value


_BASELINE: tuple[tuple[str, str, Callable[[Any], Any]], ...] = (
    ("AGE", "age", _as_is),
    ("SEX", "sex", _as_is),
    ("RACE", "race", _race),
    ("ECOG", "ecog", _as_is),
    ("MVI", "macrovascular_invasion", _yes_no),
    ("EHS", "extrahepatic_spread", _yes_no),
    ("CHILDPGH", "child_pugh_score", _as_is),
    ("BCLC", "bclc_stage", _as_is),
    ("AFP", "afp_ng_ml", _as_is),
    ("AETIOL", "aetiology", _as_is),
)


def adsl(
    courses: Sequence[SubjectCourse],
    *,
    cutoff: date | None = None,
    study_id: str | None = None,
    arm_labels: Mapping[str, str] | None = None,
    stratification: Sequence[StratificationFactor] | None = None,
) -> list[dict[str, Any]]:
    """Subject-level analysis dataset, one row per randomized subject.

    Parameters
    ----------
    courses
        The randomized subjects, each once.
    cutoff
        Data cut-off date: deaths, new anticancer therapies, withdrawals, losses to follow-up
        and contacts after it are not counted; None uses everything recorded.
    study_id
        STUDYID; USUBJID is ``f"{study_id}-{subject_id}"`` (default the built-in protocol's
        NCT id).
    arm_labels
        ARM / TRT01P text by arm code (an unknown code is used as its own label; default the
        built-in protocol's arms' short labels).
    stratification
        The protocol's stratification factors, one ``STRATnR`` column each (default the
        built-in protocol's).

    Returns
    -------
    list of dict
        Rows with the columns of :func:`adsl_columns` of ``stratification``, in subject order.

    Raises
    ------
    InputError
        Naming a subject that appears twice, or one randomized after the cut-off.
    """
    study_id, arm_labels = trial_identity(study_id, arm_labels)
    factors = builtin(DEFAULT_NCT_ID).stratification if stratification is None else stratification
    columns = adsl_columns(factors)
    strata = strata_columns(factors)
    rows = []
    for course in _unique(courses):
        check_cutoff(course, cutoff)
        death = _by_cutoff(course.death_on, cutoff)
        levels = stratum_levels(factors, course.stratum) if course.stratum else None
        row: dict[str, Any] = {
            **_identity(course, study_id, arm_labels),
            "SUBJID": course.subject_id,
            **dict(zip(strata, levels or (None,) * len(strata), strict=True)),
            "TRT01P": arm_labels.get(course.arm, course.arm),
            "RANDDT": course.randomized_on,
            "AGEU": "YEARS" if course.baseline.get("age") is not None else None,
            "ITTFL": "Y",
            "DTHFL": "Y" if death is not None else "N",
            "DTHDT": death,
            "LSTALVDT": death or _last_alive(course, cutoff),
            "NACTDT": _by_cutoff(course.new_anticancer_therapy_on, cutoff),
            "WDDT": _by_cutoff(course.withdrawn_on, cutoff),
            "LTFUDT": _by_cutoff(course.lost_to_follow_up_on, cutoff),
        }
        for column, key, convert in _BASELINE:
            row[column] = convert(course.baseline.get(key))
        rows.append({column: row[column] for column in columns})
    return rows


def _by_cutoff(value: date | None, cutoff: date | None) -> date | None:
    """The date, if on or before the cut-off (or there is none)."""
    if value is None or (cutoff is not None and value > cutoff):
        return None
    return value


def _last_alive(course: SubjectCourse, cutoff: date | None) -> date:
    """Last day known alive as of the cut-off: the cut-off itself if known alive after it."""
    last = course.last_contact_on
    if cutoff is None:
        return last
    if last >= cutoff or course.death_on is not None:
        return cutoff
    return last


def adtte(
    courses: Sequence[SubjectCourse],
    *,
    cutoff: date | None = None,
    horizon_months: float | None = 12.0,
    criterion: Criterion = "mrecist",
    schedule: AssessmentSchedule | None = None,
    rules: EndpointRules = PROTOCOL_RULES,
    study_id: str | None = None,
    arm_labels: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Time-to-event analysis dataset: OS, TTP and PFS per subject, full and at the horizon.

    Parameters
    ----------
    courses
        The randomized subjects, each once.
    cutoff
        Data cut-off date; None uses everything recorded.
    horizon_months
        Horizon of the administratively censored parameters (12: OS12, TTP12, PFS12, the
        registered analysis); None for the full-follow-up parameters only.
    criterion
        Progression criterion of TTP and PFS (``"mrecist"`` primary, ``"recist"``).
    schedule
        Assessment schedule for the missed-assessment rule; None takes that of ``rules``.
    rules
        The endpoint rules (default the protocol's): the assessment schedule and where TTP
        censors a death without progression.
    study_id, arm_labels
        As for :func:`adsl`.

    Returns
    -------
    list of dict
        Rows with the columns of :data:`ADTTE_COLUMNS`, by subject then parameter.
    """
    plan = schedule or AssessmentSchedule.of(rules)
    ttp_options = {"death_censoring": rules.ttp_death_censoring}
    label = _CRITERION_LABELS.get(criterion, criterion)
    endpoints: tuple[tuple[str, str, Callable[..., TimeToEvent], dict[str, Any]], ...] = (
        ("OS", "Overall survival", overall_survival, {}),
        ("TTP", f"Time to progression, {label}", time_to_progression,
         {"criterion": criterion, "schedule": plan, **ttp_options}),
        ("PFS", f"Progression-free survival, {label}", progression_free_survival,
         {"criterion": criterion, "schedule": plan}),
    )  # fmt: skip
    horizons: list[float | None] = [None] if horizon_months is None else [None, horizon_months]
    rows = []
    for course in _unique(courses):
        identity = _identity(course, study_id, arm_labels)
        for horizon in horizons:
            for code, name, endpoint, options in endpoints:
                result = endpoint(course, cutoff=cutoff, horizon_months=horizon, **options)
                suffix = "" if horizon is None else f"{horizon:g}"
                param = name if horizon is None else f"{name}, censored at {horizon:g} months"
                row = {
                    **identity,
                    "PARAMCD": f"{code}{suffix}",
                    "PARAM": f"{param} (months)",
                    "STARTDT": course.randomized_on,
                    "ADT": result.event_or_censor_date,
                    "AVAL": result.months,
                    "AVALU": "MONTHS",
                    "CNSR": 0 if result.event else 1,
                    "EVENT": 1 if result.event else 0,
                    "EVNTDESC": result.event_description if result.event else result.censor_reason,
                    "CNSDTDSC": result.censor_date_description,
                }
                rows.append({column: row[column] for column in ADTTE_COLUMNS})
    return rows


def adrs(
    courses: Sequence[SubjectCourse],
    *,
    cutoff: date | None = None,
    window_months: float | None = 12.0,
    rules: EndpointRules = PROTOCOL_RULES,
    study_id: str | None = None,
    arm_labels: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Response analysis dataset: best overall response and objective response per criterion.

    Parameters
    ----------
    courses
        The randomized subjects, each once.
    cutoff
        Data cut-off date; None uses everything recorded.
    window_months
        Window of best response from randomization (12 as registered); None for no limit.
    rules
        The endpoint rules (default the protocol's): whether CR and PR need confirmation and
        the least time from randomization for SD to count.
    study_id, arm_labels
        As for :func:`adsl`.

    Returns
    -------
    list of dict
        Rows with the columns of :data:`ADRS_COLUMNS`: BOR_MRECIST, BOR_RECIST, ORR_MRECIST,
        ORR_RECIST per subject.
    """
    window_text = "" if window_months is None else f" within {window_months:g} months"
    confirmed = rules.orr_confirmation_required
    prefix = "C" if confirmed else ""
    if confirmed:
        window_text += ", confirmed (≥ 28 days)"
    if rules.sd_min_days:
        window_text += f", SD ≥ {rules.sd_min_days} days"
    rows = []
    for course in _unique(courses):
        identity = _identity(course, study_id, arm_labels)
        best = {
            criterion: best_response(
                course,
                criterion=criterion,
                window_months=window_months,
                cutoff=cutoff,
                confirmation_required=confirmed,
                sd_min_days=rules.sd_min_days,
            )
            for criterion in ("mrecist", "recist")
        }
        values: list[tuple[str, str, str, int]] = []
        for criterion, result in best.items():
            label = _CRITERION_LABELS[criterion]
            values.append(
                (
                    f"{prefix}BOR_{criterion.upper()}",
                    f"Best overall response{window_text}, {label}",
                    result.response,
                    _RESPONSE_CODES[result.response],
                )
            )
        for criterion, result in best.items():
            label = _CRITERION_LABELS[criterion]
            values.append(
                (
                    f"{prefix}ORR_{criterion.upper()}",
                    f"Objective response (CR or PR){window_text}, {label}",
                    "Y" if result.objective_response else "N",
                    1 if result.objective_response else 0,
                )
            )
        for paramcd, param, avalc, aval in values:
            row = {**identity, "PARAMCD": paramcd, "PARAM": param, "AVALC": avalc, "AVAL": aval}
            rows.append({column: row[column] for column in ADRS_COLUMNS})
    return rows


def _identity(
    course: SubjectCourse, study: str | None, labels: Mapping[str, str] | None
) -> dict[str, Any]:
    study_id, arm_labels = trial_identity(study, labels)
    return {
        "STUDYID": study_id,
        "USUBJID": f"{study_id}-{course.subject_id}",
        "SITEID": course.site,
        "ARMCD": course.arm,
        "ARM": arm_labels.get(course.arm, course.arm),
        "STRATUM": course.stratum,
    }


def _unique(courses: Sequence[SubjectCourse]) -> Sequence[SubjectCourse]:
    seen: set[str] = set()
    for index, course in enumerate(courses, start=1):
        if not isinstance(course, SubjectCourse):
            raise InputError(f"course {index} is not a SubjectCourse", field="courses", row=index)
        if course.subject_id in seen:
            raise InputError(
                f"subject {course.subject_id} appears more than once", field="subject_id", row=index
            )
        seen.add(course.subject_id)
    return courses
