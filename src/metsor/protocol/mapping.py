"""A registry record's criteria mapped to the rule library, and the trial data it lacks.

A ClinicalTrials.gov record holds the eligibility criteria as prose and says nothing of arm
codes, study drugs' dose levels, strata or schedules. A mapping file completes it into a
runnable protocol:

``nct_id``
    The record's NCT id (a mapping is for one trial).
``criteria``
    One row per criterion that a rule checks: ``kind`` (inclusion/exclusion) and ``number``
    (the criterion's place among those of its kind in the record, from 1) name the registry's
    criterion; ``rule`` the rule id; optionally ``id`` (default the rule id), ``cutoff`` (a
    laboratory rule's own limit, :class:`~metsor.protocol.model.Cutoff`), ``parameters``
    (name → value, :class:`~metsor.protocol.model.RuleParameter`) and ``source`` (where the
    values come from). A criterion no row names is a checklist item the investigator attests.
``trial``
    Optionally, protocol sections the registry does not hold, as the protocol states them
    (``arms``, ``interventions``, ``study_drugs``, ``stratification``, ``windows``,
    ``endpoint_rules``, ``visits``, ``assumptions``, ``monitoring``, ``corrections``,
    ``acronym``), replacing the record's.

A bad mapping is refused naming the row and key (``criteria[3].rule``, rows counted from 1).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from metsor.errors import InputError
from metsor.protocol.model import Criterion, CriterionKind, Cutoff, Protocol, RuleParameter

__all__ = ["TRIAL_SECTIONS", "CriteriaMapping", "CriterionRow", "apply_mapping"]

TRIAL_SECTIONS: tuple[str, ...] = (
    "acronym", "arms", "interventions", "study_drugs", "stratification", "windows",
    "endpoint_rules", "visits", "assumptions", "monitoring", "corrections",
)  # fmt: skip
"""The protocol sections a mapping's ``trial`` may set."""

_Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class CriterionRow(BaseModel):
    """One row of a mapping's ``criteria``: a registry criterion and the rule that checks it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: CriterionKind
    number: Annotated[int, Field(ge=1)]
    rule: _Id
    id: _Id | None = None
    cutoff: Cutoff | None = None
    parameters: dict[_Id, Annotated[float, Field(allow_inf_nan=False)]] = Field(
        default_factory=dict
    )
    source: Annotated[str, StringConstraints(min_length=1)] | None = None


class CriteriaMapping(BaseModel):
    """A mapping file: the trial's NCT id, its criteria rows and its trial sections."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nct_id: Annotated[str, StringConstraints(pattern=r"^NCT\d{8}$")]
    criteria: tuple[CriterionRow, ...]
    trial: dict[str, Any] = Field(default_factory=dict)


def _where(loc: tuple[int | str, ...]) -> str:
    """``("criteria", 2, "rule")`` → ``criteria[3].rule`` (rows counted from 1)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _parse(data: Any) -> CriteriaMapping:
    try:
        return CriteriaMapping.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _where(tuple(first["loc"]))
        raise InputError(f"mapping: {where}: {first['msg']}", field=where) from None


def apply_mapping(
    protocol: Protocol,
    data: Any,
    *,
    rules: Mapping[str, Collection[str]],
    lab_rules: Collection[str],
    source: str,
) -> Protocol:
    """The protocol of a registry record completed by a mapping.

    Parameters
    ----------
    protocol
        The record as imported (:func:`metsor.protocol.registry.from_ctgov_v2`).
    data
        The mapping file's content (parsed YAML or JSON).
    rules
        The rule library: each rule id with the names of the parameters it takes.
    lab_rules
        The rule ids that take a laboratory cut-off.
    source
        Where a row's values come from when it names no ``source`` (the mapping file).

    Returns
    -------
    Protocol
        Every registry criterion in the record's order: those a row names checked by its rule,
        the others checklist items (no rule).

    Raises
    ------
    InputError
        Naming the row and key (``criteria[2].number``) or the trial section (``trial.arms``).
    """
    mapping = _parse(data)
    if mapping.nct_id != protocol.nct_id:
        raise InputError(
            f"mapping is for {mapping.nct_id}, the record is {protocol.nct_id}", field="nct_id"
        )
    registered: dict[tuple[str, int], Criterion] = {}
    counts: dict[str, int] = {"inclusion": 0, "exclusion": 0}
    for criterion in protocol.criteria:
        counts[criterion.kind] += 1
        registered[(criterion.kind, counts[criterion.kind])] = criterion
    mapped: dict[tuple[str, int], Criterion] = {}
    ids: dict[str, int] = {}
    for row_number, row in enumerate(mapping.criteria, start=1):
        mapped[(row.kind, row.number)] = _criterion(
            row, row_number, registered, mapped, ids, rules, lab_rules, source
        )
    criteria = tuple(
        mapped.get(key, Criterion(id=f"{key[0]}_{key[1]}", kind=c.kind, text=c.text))
        for key, c in registered.items()
    )
    return _with_trial(protocol, criteria, mapping.trial)


def _criterion(
    row: CriterionRow,
    row_number: int,
    registered: Mapping[tuple[str, int], Criterion],
    mapped: Mapping[tuple[str, int], Criterion],
    ids: dict[str, int],
    rules: Mapping[str, Collection[str]],
    lab_rules: Collection[str],
    source: str,
) -> Criterion:
    where = f"criteria[{row_number}]"
    key = (row.kind, row.number)
    if key not in registered:
        count = sum(1 for kind, _ in registered if kind == row.kind)
        raise InputError(
            f"mapping: {where}.number: the record has {count} {row.kind} criteria, "
            f"not {row.number}",
            field=f"{where}.number",
        )
    if key in mapped:
        raise InputError(
            f"mapping: {where}: {row.kind} criterion {row.number} is mapped twice",
            field=f"{where}.number",
        )
    if row.rule not in rules:
        raise InputError(
            f"mapping: {where}.rule: no rule {row.rule!r}; known: {', '.join(sorted(rules))}",
            field=f"{where}.rule",
        )
    if row.cutoff is not None and row.rule not in lab_rules:
        raise InputError(
            f"mapping: {where}.cutoff: rule {row.rule!r} takes no cut-off (rules that do: "
            f"{', '.join(lab_rules)})",
            field=f"{where}.cutoff",
        )
    for name in row.parameters:
        if name not in rules[row.rule]:
            taken = ", ".join(rules[row.rule]) or "none"
            raise InputError(
                f"mapping: {where}.parameters.{name}: rule {row.rule!r} takes no parameter "
                f"{name!r} (it takes: {taken})",
                field=f"{where}.parameters.{name}",
            )
    criterion_id = row.id or row.rule
    if criterion_id in ids:
        raise InputError(
            f"mapping: {where}.id: {criterion_id!r} is already the id of criteria"
            f"[{ids[criterion_id]}]; give this row an id",
            field=f"{where}.id",
        )
    ids[criterion_id] = row_number
    origin = row.source or f"{source}, {where}"
    return Criterion(
        id=criterion_id,
        kind=row.kind,
        text=registered[key].text,
        rule=row.rule,
        cutoff=row.cutoff,
        parameters=tuple(
            RuleParameter(name=name, value=value, source=origin)
            for name, value in row.parameters.items()
        ),
    )


def _with_trial(
    protocol: Protocol, criteria: tuple[Criterion, ...], trial: Mapping[str, Any]
) -> Protocol:
    unknown = sorted(set(trial) - set(TRIAL_SECTIONS))
    if unknown:
        raise InputError(
            f"mapping: trial.{unknown[0]}: not a section a mapping may set "
            f"({', '.join(TRIAL_SECTIONS)})",
            field=f"trial.{unknown[0]}",
        )
    merged = {**protocol.model_dump(), **trial, "criteria": [c.model_dump() for c in criteria]}
    try:
        return Protocol.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        where = _where(loc) if not loc or loc[0] == "criteria" else "trial." + _where(loc)
        raise InputError(f"mapping: {where}: {first['msg']}", field=where) from None
