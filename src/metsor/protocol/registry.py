"""Import a ClinicalTrials.gov API v2 study record as a :class:`~metsor.protocol.model.Protocol`.

The record is read as the registry publishes it: doses from the prose of arm and
intervention descriptions, criteria from the one free-text eligibility field. Nothing is
corrected here; a protocol review (:mod:`metsor.protocol.review`) says what is wrong with it.
Field names follow the API's study data structure
(https://clinicaltrials.gov/data-api/about-api/study-data-structure).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

from metsor.errors import InputError
from metsor.protocol._json import Node
from metsor.protocol.criteria import match_rule, split_criteria
from metsor.protocol.dosing import doses_in_text
from metsor.protocol.model import (
    MAX_TARGET_ENROLLMENT,
    Arm,
    Assumptions,
    Contact,
    Criterion,
    CriterionKind,
    DateType,
    Design,
    Dose,
    Eligibility,
    Intervention,
    IpdSharing,
    KeyDate,
    Official,
    Outcome,
    Protocol,
    Site,
    Sponsor,
    Status,
    calendar_day,
)

__all__ = ["from_ctgov_v2", "time_frame_months"]

_DAYS_PER_MONTH = 365.25 / 12
_MONTHS_PER: Mapping[str, float] = {
    "year": 12.0,
    "month": 1.0,
    "week": 7 / _DAYS_PER_MONTH,
    "day": 1 / _DAYS_PER_MONTH,
    "hour": 1 / (24 * _DAYS_PER_MONTH),
    "minute": 1 / (24 * 60 * _DAYS_PER_MONTH),
}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\b", re.I)
_DURATION_AFTER = re.compile(r"\b(year|month|week|day)s?\s+(\d+(?:\.\d+)?)", re.I)
_PARTIAL_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_NCT_ID = re.compile(r"^NCT\d{8}$")
_TYPED_NAME = re.compile(r"^[A-Za-z /]+:\s*(?P<name>.+)$")
_DATE_TYPES: tuple[DateType, ...] = ("ACTUAL", "ESTIMATED")
_T = TypeVar("_T", bound=str)


def from_ctgov_v2(data: Mapping[str, Any], *, assumptions: Assumptions | None = None) -> Protocol:
    """Read a ClinicalTrials.gov API v2 study record.

    Parameters
    ----------
    data
        The parsed JSON of one study (``{"protocolSection": {...}, ...}``).
    assumptions
        Statistical design assumptions to attach; the registry states none.

    Returns
    -------
    Protocol
        The record as registered, with no corrections.

    Raises
    ------
    InputError
        If a field is missing or of the wrong type, a date is not on the calendar, the target
        enrollment exceeds :data:`~metsor.protocol.model.MAX_TARGET_ENROLLMENT`, or a text holds
        a control character; the error's ``field`` is its JSON path, e.g.
        ``protocolSection.designModule.enrollmentInfo.count``.
    """
    _refuse_control_characters(data, "")
    section = Node(data, "").obj("protocolSection")
    ident = section.obj("identificationModule")
    listed = _interventions(section.obj("armsInterventionsModule"))
    arms, interventions = _arms_and_doses(section.obj("armsInterventionsModule"), listed)
    contacts = section.opt_obj("contactsLocationsModule")
    conditions = section.opt_obj("conditionsModule")
    other_ids = [n.opt_text("id") for n in ident.nodes("secondaryIdInfos")]
    if org := ident.opt_obj("orgStudyIdInfo"):
        other_ids.insert(0, org.opt_text("id"))
    try:
        return Protocol(
            nct_id=_nct_id(ident),
            acronym=ident.opt_text("acronym"),
            brief_title=ident.text("briefTitle"),
            official_title=ident.opt_text("officialTitle"),
            other_ids=tuple(i for i in other_ids if i),
            sponsor=_sponsor(section.obj("sponsorCollaboratorsModule")),
            status=_status(section.obj("statusModule")),
            phases=section.obj("designModule").texts("phases"),
            conditions=conditions.texts("conditions") if conditions else (),
            design=_design(section.obj("designModule")),
            arms=arms,
            interventions=interventions,
            outcomes=_outcomes(section.obj("outcomesModule")),
            criteria=_criteria(section.obj("eligibilityModule")),
            eligibility=_eligibility(section.obj("eligibilityModule")),
            sites=tuple(_site(n) for n in contacts.nodes("locations")) if contacts else (),
            contacts=tuple(_contact(n) for n in contacts.nodes("centralContacts"))
            if contacts
            else (),
            principal_investigator=_principal_investigator(contacts) if contacts else None,
            ipd_sharing=_ipd(section.opt_obj("ipdSharingStatementModule")),
            assumptions=assumptions,
        )
    except ValidationError as exc:  # a value of the right type that the model refuses
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{first['msg']} (model field {where})", field="protocolSection") from exc


def time_frame_months(text: str | None) -> float | None:
    """The first duration stated in a time frame, in months (``"12 months or ..."`` → 12).

    Weeks, days and hours are converted with 365.25 / 12 days a month; None when the text
    states no duration.
    """
    if not text:
        return None
    match = _DURATION.search(text)
    if match:
        value, unit = float(match.group(1)), match.group(2).lower()
    elif match := _DURATION_AFTER.search(text):
        value, unit = float(match.group(2)), match.group(1).lower()
    else:
        return None
    return value * _MONTHS_PER[unit] if value > 0 else None


# C0 controls but tab, line feed and carriage return (kept in the registry's prose), DEL, C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _refuse_control_characters(value: object, path: str) -> None:
    """InputError naming the JSON path of the first text (or key) with a control character."""
    if isinstance(value, str):
        found = _CONTROL.search(value)
        if found:
            raise InputError(
                f"text holds the control character U+{ord(found.group()):04X}",
                field=path or "(top level)",
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            _refuse_control_characters(key, where)
            _refuse_control_characters(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_control_characters(item, f"{path}[{index}]")


def _nct_id(ident: Node) -> str:
    nct_id = ident.text("nctId")
    if not _NCT_ID.match(nct_id):
        raise InputError(f"expected NCT and 8 digits, got {nct_id!r}", field=ident.at("nctId"))
    return nct_id


def _date(node: Node | None, key: str) -> str | None:
    if node is None or not node.has(key):
        return None
    value = node.text(key)
    if not _PARTIAL_DATE.match(value):
        raise InputError(f"expected YYYY-MM or YYYY-MM-DD, got {value!r}", field=node.at(key))
    try:
        calendar_day(value)
    except ValueError as exc:
        raise InputError(str(exc), field=node.at(key)) from None
    return value


def _key_date(status: Node, key: str) -> KeyDate | None:
    node = status.opt_obj(key)
    when = _date(node, "date")
    if node is None or when is None:
        return None
    return KeyDate(date=when, type=_one_of(node, "type", _DATE_TYPES))


def _status(status: Node) -> Status:
    return Status(
        overall_status=status.text("overallStatus"),
        last_known_status=status.opt_text("lastKnownStatus"),
        start=_key_date(status, "startDateStruct"),
        primary_completion=_key_date(status, "primaryCompletionDateStruct"),
        completion=_key_date(status, "completionDateStruct"),
        first_posted=_key_date(status, "studyFirstPostDateStruct"),
        last_update_posted=_key_date(status, "lastUpdatePostDateStruct"),
        verified=_date(status, "statusVerifiedDate"),
    )


def _sponsor(module: Node) -> Sponsor:
    responsible = module.opt_obj("responsibleParty")
    return Sponsor(
        lead=module.obj("leadSponsor").text("name"),
        responsible_party_type=responsible.opt_text("type") if responsible else None,
        collaborators=tuple(n.text("name") for n in module.nodes("collaborators")),
    )


def _design(module: Node) -> Design:
    info = module.opt_obj("designInfo")
    masking = info.opt_obj("maskingInfo") if info else None
    enrollment = module.obj("enrollmentInfo")
    count = enrollment.integer("count")
    if not 0 < count <= MAX_TARGET_ENROLLMENT:
        raise InputError(
            f"expected a count from 1 to {MAX_TARGET_ENROLLMENT:,}, got {count:.6g}",
            field=enrollment.at("count"),
        )
    return Design(
        study_type=module.text("studyType"),
        allocation=info.opt_text("allocation") if info else None,
        intervention_model=info.opt_text("interventionModel") if info else None,
        masking=masking.opt_text("masking") if masking else None,
        primary_purpose=info.opt_text("primaryPurpose") if info else None,
        target_enrollment=count,
        enrollment_type=_one_of(enrollment, "type", _DATE_TYPES),
    )


def _interventions(module: Node) -> dict[str, tuple[Intervention, str]]:
    found: dict[str, tuple[Intervention, str]] = {}
    for node in module.nodes("interventions", required=True):
        name = node.text("name")
        if name in found:
            raise InputError(f"intervention {name!r} appears twice", field=node.at("name"))
        intervention = Intervention(
            name=name,
            type=node.opt_text("type") or "OTHER",
            description=node.opt_text("description"),
            other_names=node.texts("otherNames"),
        )
        found[name] = (intervention, node.path)
    return found


def _arms_and_doses(
    module: Node, interventions: dict[str, tuple[Intervention, str]]
) -> tuple[tuple[Arm, ...], tuple[Intervention, ...]]:
    drugs = {n: i.other_names for n, (i, _) in interventions.items() if i.type == "DRUG"}
    doses: dict[str, tuple[Dose, str]] = {}
    for name, (intervention, path) in interventions.items():
        if name in drugs and intervention.description:
            own = doses_in_text(intervention.description, {name: drugs[name]})
            if name in own:
                doses[name] = (own[name], f"{path}.description")
    arms = []
    for node in module.nodes("armGroups", required=True):
        names = []
        for item, path in node.items("interventionNames"):
            names.append(_intervention_name(item, path, interventions))
        description = node.opt_text("description")
        for name, dose in doses_in_text(description or "", drugs).items():
            _merge_dose(doses, name, dose, node.at("description"))
        arms.append(
            Arm(
                label=node.text("label"),
                type=node.opt_text("type") or "OTHER",
                description=description,
                intervention_names=tuple(names),
            )
        )
    merged = tuple(
        i.model_copy(update={"dose": doses[n][0]}) if n in doses else i
        for n, (i, _) in interventions.items()
    )
    return tuple(arms), merged


def _merge_dose(doses: dict[str, tuple[Dose, str]], name: str, dose: Dose, path: str) -> None:
    if name not in doses:
        doses[name] = (dose, path)
        return
    known, where = doses[name]
    same = (known.quantity, known.unit, known.frequency) == (
        dose.quantity,
        dose.unit,
        dose.frequency,
    )
    if not same:
        raise InputError(
            f"{name} is dosed {dose.quantity:g} {dose.unit} {dose.frequency} here but "
            f"{known.quantity:g} {known.unit} {known.frequency} in {where}; "
            "one dose per intervention is supported",
            field=path,
        )
    # The same dose stated twice: keep what either statement adds (route, food rule).
    doses[name] = (
        known.model_copy(
            update={
                "route": known.route or dose.route,
                "food_rule": known.food_rule or dose.food_rule,
            }
        ),
        where,
    )


def _intervention_name(
    item: object, path: str, interventions: Mapping[str, tuple[Intervention, str]]
) -> str:
    if not isinstance(item, str) or not item.strip():
        raise InputError("expected an intervention name", field=path)
    name = item.strip()
    typed = _TYPED_NAME.match(name)
    if name not in interventions and typed and typed["name"] in interventions:
        name = typed["name"]  # "Drug: Sorafenib" names the intervention "Sorafenib"
    if name not in interventions:
        known = ", ".join(interventions)
        raise InputError(f"names no listed intervention ({known})", field=path)
    return name


def _outcomes(module: Node) -> tuple[Outcome, ...]:
    outcomes = []
    kinds: tuple[tuple[str, Literal["primary", "secondary"]], ...] = (
        ("primaryOutcomes", "primary"),
        ("secondaryOutcomes", "secondary"),
    )
    for key, kind in kinds:
        for node in module.nodes(key, required=kind == "primary"):
            frame = node.opt_text("timeFrame")
            outcomes.append(
                Outcome(
                    measure=node.text("measure"),
                    type=kind,
                    time_frame=frame,
                    time_frame_months=time_frame_months(frame),
                    description=node.opt_text("description"),
                )
            )
    return tuple(outcomes)


def _criteria(module: Node) -> tuple[Criterion, ...]:
    try:
        lists = split_criteria(module.text("eligibilityCriteria"))
    except ValueError as exc:
        raise InputError(str(exc), field=module.at("eligibilityCriteria")) from exc
    criteria: list[Criterion] = []
    taken: list[str] = []
    kinds: tuple[CriterionKind, ...] = ("inclusion", "exclusion")
    for kind in kinds:
        for number, text in enumerate(lists[kind], start=1):
            rule = match_rule(kind, text, taken)
            if rule is not None:
                taken.append(rule)
            criteria.append(
                Criterion(id=rule or f"{kind}_{number}", kind=kind, text=text, rule=rule)
            )
    return tuple(criteria)


def _age_years(module: Node, key: str) -> float | None:
    text = module.opt_text(key)
    if text is None or text.upper() == "N/A":
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?", text, re.I)
    if match is None:
        raise InputError(f"expected an age such as '18 Years', got {text!r}", field=module.at(key))
    return float(match.group(1)) * _MONTHS_PER[match.group(2).lower()] / 12


def _eligibility(module: Node) -> Eligibility:
    return Eligibility(
        minimum_age_years=_age_years(module, "minimumAge"),
        maximum_age_years=_age_years(module, "maximumAge"),
        sexes=_one_of(module, "sex", ("ALL", "FEMALE", "MALE")) or "ALL",
        healthy_volunteers=bool(module.opt_bool("healthyVolunteers")),
        std_ages=module.texts("stdAges"),
    )


def _contact(node: Node) -> Contact:
    return Contact(
        name=node.text("name"),
        role=node.opt_text("role"),
        phone=node.opt_text("phone"),
        phone_ext=node.opt_text("phoneExt"),
        email=node.opt_text("email"),
    )


def _site(node: Node) -> Site:
    return Site(
        facility=node.text("facility"),
        status=node.opt_text("status"),
        city=node.opt_text("city"),
        state=node.opt_text("state"),
        zip=node.opt_text("zip"),
        country=node.opt_text("country"),
        contacts=tuple(_contact(c) for c in node.nodes("contacts")),
    )


def _principal_investigator(module: Node) -> Official | None:
    for node in module.nodes("overallOfficials"):
        official = Official(
            name=node.text("name"),
            affiliation=node.opt_text("affiliation"),
            role=node.opt_text("role"),
        )
        if official.role == "PRINCIPAL_INVESTIGATOR":
            return official
    return None


def _ipd(module: Node | None) -> IpdSharing | None:
    if module is None or not module.has("ipdSharing"):
        return None
    plan = _one_of(module, "ipdSharing", ("YES", "NO", "UNDECIDED"))
    if plan is None:
        return None
    return IpdSharing(plan=plan, description=module.opt_text("description"))


def _one_of(node: Node, key: str, allowed: tuple[_T, ...]) -> _T | None:
    value = node.opt_text(key)
    if value is None:
        return None
    for option in allowed:
        if value == option:
            return option
    raise InputError(f"expected one of {', '.join(allowed)}, got {value!r}", field=node.at(key))
