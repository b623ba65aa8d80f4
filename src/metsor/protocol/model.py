"""The trial as data: identity, status, design, arms, doses, outcomes, criteria and sites.

Every model is frozen and refuses unknown fields. Coded values (phase, allocation, masking,
arm type, recruitment status) keep the ClinicalTrials.gov API v2 vocabulary, so a record
imported from the registry and the built-in file speak the same words.
"""

from __future__ import annotations

import datetime
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from metsor.errors import NotFoundError
from metsor.protocol.monitoring import MonitoringPlan
from metsor.protocol.stratification import StratificationFactor
from metsor.protocol.treatment import DrugCode, StudyDrug

__all__ = [
    "MAX_TARGET_ENROLLMENT",
    "Arm",
    "Assumptions",
    "Contact",
    "Correction",
    "Criterion",
    "CriterionKind",
    "Cutoff",
    "Design",
    "Dose",
    "Eligibility",
    "EndpointRules",
    "EntryWindows",
    "FoodRule",
    "Intervention",
    "IpdSharing",
    "KeyDate",
    "Official",
    "Outcome",
    "Protocol",
    "RuleParameter",
    "Site",
    "Sponsor",
    "Status",
    "VisitIntervals",
]

FoodRule = Literal["with_food", "without_food", "any"]
CriterionKind = Literal["inclusion", "exclusion"]
DateType = Literal["ACTUAL", "ESTIMATED"]
PartialDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}(-\d{2})?$")]
NctId = Annotated[str, StringConstraints(pattern=r"^NCT\d{8}$")]
Text = Annotated[str, StringConstraints(min_length=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


MAX_TARGET_ENROLLMENT = 1_000_000
"""The largest target enrollment a protocol may state: above the largest trials ever run
(mega-trials of some 10^5 patients), so a larger count is an error of the record."""


def calendar_day(text: str) -> date:
    """The first day a partial date (``2015-12`` or ``2015-12-03``) can mean.

    Raises
    ------
    ValueError
        When the text is not a day of the calendar (``2016-02-30``, ``2016-13``).
    """
    parts = text.split("-")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        raise ValueError(f"{text!r} is not a date of the calendar") from None


class KeyDate(_Frozen):
    """A registry date, possibly partial (``2015-12``), with whether it is actual or estimated."""

    date: PartialDate
    type: DateType | None = None

    @field_validator("date")
    @classmethod
    def _on_the_calendar(cls, text: str) -> str:
        calendar_day(text)
        return text

    @property
    def first_day(self) -> datetime.date:
        """The first day the date can mean (``2015-12`` → 2015-12-01)."""
        return calendar_day(self.date)


class Sponsor(_Frozen):
    """Lead sponsor and the kind of responsible party (``SPONSOR``, ``PRINCIPAL_INVESTIGATOR``)."""

    lead: Text
    responsible_party_type: str | None = None
    collaborators: tuple[str, ...] = ()


class Status(_Frozen):
    """Recruitment status and key record dates."""

    overall_status: str
    last_known_status: str | None = None
    start: KeyDate | None = None
    primary_completion: KeyDate | None = None
    completion: KeyDate | None = None
    first_posted: KeyDate | None = None
    last_update_posted: KeyDate | None = None
    verified: PartialDate | None = None

    @field_validator("verified")
    @classmethod
    def _verified_on_the_calendar(cls, text: str | None) -> str | None:
        if text is not None:
            calendar_day(text)
        return text


class Design(_Frozen):
    """Study design as registered, plus the allocation ratio (experimental : control)."""

    study_type: str
    allocation: str | None = None
    intervention_model: str | None = None
    masking: str | None = None
    primary_purpose: str | None = None
    target_enrollment: Annotated[int, Field(gt=0, le=MAX_TARGET_ENROLLMENT)]
    enrollment_type: DateType | None = None
    allocation_ratio: tuple[Annotated[int, Field(gt=0)], Annotated[int, Field(gt=0)]] | None = None


class Dose(_Frozen):
    """One dose of one intervention: ``400 mg`` ``BID`` ``oral`` ``without_food``.

    ``frequency`` uses the prescription abbreviations ``QD``, ``BID``, ``TID``, ``QID``,
    ``QOD`` and ``QW``; ``food_rule`` None means the record does not say.
    """

    quantity: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    unit: Text
    frequency: Text
    route: str | None = None
    food_rule: FoodRule | None = None


class Intervention(_Frozen):
    """An intervention (for a drug, its generic name) with its dose and brand names."""

    name: Text
    type: str = "DRUG"
    description: str | None = None
    other_names: tuple[str, ...] = ()
    dose: Dose | None = None


class Arm(_Frozen):
    """An arm: its label, type (``EXPERIMENTAL``, ``ACTIVE_COMPARATOR``, ...) and interventions.

    ``code`` is the arm code stored with every allocation (ARMCD of the datasets) and
    ``short_label`` the arm's name in the datasets and reports (ARM, TRT01P); a record
    imported from the registry has neither until they are given.
    """

    label: Text
    type: str
    description: str | None = None
    intervention_names: tuple[str, ...] = ()
    code: DrugCode | None = None
    short_label: str | None = None

    @property
    def display(self) -> str:
        """The short label, or the registry's label when there is none."""
        return self.short_label or self.label


class Outcome(_Frozen):
    """An outcome measure with its registered time frame and that time frame in months."""

    measure: Text
    type: Literal["primary", "secondary"]
    time_frame: str | None = None
    time_frame_months: Annotated[float, Field(gt=0)] | None = None
    description: str | None = None


class Cutoff(_Frozen):
    """A trial's own cut-off for a laboratory rule: ``value <comparison> limit``.

    ``limit`` is in the unit of the rule's analyte (``unit``, as the eligibility rules state
    their thresholds: g/dL, /uL, mg/dL, none for INR); ``source`` says where it comes from.
    """

    comparison: Literal[">=", ">", "<", "<="]
    limit: Annotated[float, Field(allow_inf_nan=False)]
    unit: str
    source: Text


class RuleParameter(_Frozen):
    """A trial's own value of one parameter of a rule that is not a laboratory comparison
    (a window in days, a largest grade, a least age): ``name`` as the rule library names it
    (:data:`metsor.eligibility.parameters.RULE_PARAMETERS`), ``source`` where it comes from."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    value: Annotated[float, Field(allow_inf_nan=False)]
    source: Text


class Criterion(_Frozen):
    """One eligibility criterion in the registry's wording.

    ``rule`` names the computable eligibility rule that checks it; None means a checklist
    item the investigator attests. ``cutoff`` gives a laboratory rule the trial's own
    threshold instead of the rule library's; ``parameters`` give any other rule the trial's
    own values (SHARP's 30-day window of gastrointestinal bleeding), each named once.
    """

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    kind: CriterionKind
    text: Text
    rule: str | None = None
    cutoff: Cutoff | None = None
    parameters: tuple[RuleParameter, ...] = ()

    @model_validator(mode="after")
    def _parameters_named_once(self) -> Criterion:
        names = [parameter.name for parameter in self.parameters]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"criterion '{self.id}' names parameter(s) twice: {repeated}")
        if self.parameters and self.rule is None:
            raise ValueError(f"criterion '{self.id}' has parameters but no rule")
        return self

    def parameter(self, name: str) -> float | None:
        """The value of the named parameter, or None where the protocol sets none."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter.value
        return None


class Eligibility(_Frozen):
    """Eligibility fields of the registry besides the criteria text."""

    minimum_age_years: Annotated[float, Field(ge=0)] | None = None
    maximum_age_years: Annotated[float, Field(ge=0)] | None = None
    sexes: Literal["ALL", "FEMALE", "MALE"] = "ALL"
    healthy_volunteers: bool = False
    std_ages: tuple[str, ...] = ()


class Contact(_Frozen):
    """A person to contact, as the registry lists them."""

    name: Text
    role: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None


class Site(_Frozen):
    """A recruiting site with its contacts."""

    facility: Text
    status: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    contacts: tuple[Contact, ...] = ()


class Official(_Frozen):
    """An overall official, such as the principal investigator."""

    name: Text
    affiliation: str | None = None
    role: str | None = None


class IpdSharing(_Frozen):
    """The individual participant data sharing statement."""

    plan: Literal["YES", "NO", "UNDECIDED"]
    description: str | None = None


class Correction(_Frozen):
    """A change made to the registered record, with the reason and its source."""

    field: Text
    registered: str
    corrected: str
    reason: Text
    source: Text


class Assumptions(_Frozen):
    """Statistical design assumptions that the registry does not state, each with a source.

    Survival is taken as exponential in each arm, so the hazard ratio is the ratio of medians.
    ``sources`` maps every numeric field name to where its value comes from.
    """

    median_os_control_months: Annotated[float, Field(gt=0)]
    median_os_experimental_months: Annotated[float, Field(gt=0)]
    alpha: Annotated[float, Field(gt=0, lt=1)]
    sides: Literal[1, 2]
    accrual_months: Annotated[float, Field(gt=0)]
    follow_up_months: Annotated[float, Field(ge=0)]
    dropout_per_year: Annotated[float, Field(ge=0, lt=1)] = 0.0
    sources: dict[str, str]

    @model_validator(mode="after")
    def _every_value_has_a_source(self) -> Assumptions:
        numeric = set(type(self).model_fields) - {"sources"}
        missing = sorted(numeric - {k for k, v in self.sources.items() if v.strip()})
        if missing:
            raise ValueError(f"no source for {', '.join(missing)}")
        unknown = sorted(set(self.sources) - numeric)
        if unknown:
            raise ValueError(f"sources name unknown assumptions: {', '.join(unknown)}")
        return self

    @property
    def hazard_ratio(self) -> float:
        """Hazard ratio experimental / control under exponential survival."""
        return self.median_os_control_months / self.median_os_experimental_months

    @property
    def analysis_month(self) -> float:
        """Months from the first randomization to the analysis (accrual plus follow-up)."""
        return self.accrual_months + self.follow_up_months


_WINDOW_DEFAULT = (
    "Default, not the registry's (the record states no screening period): 28 days before "
    "randomization, the screening period usual in advanced-HCC trials"
)


class EntryWindows(_Frozen):
    """When a subject's data may be dated: not before the trial's start, and the screening,
    consent and baseline work-up within windows before randomization.

    ``trial_start`` None takes the registry's start date (:attr:`Protocol.trial_start`).
    ``sources`` says where each value comes from; where the registry is silent the value is a
    stated default, not the registry's.
    """

    trial_start: date | None = None
    screening_window_days: Annotated[int, Field(ge=0, le=365)] = 28
    consent_window_days: Annotated[int, Field(ge=0, le=365)] = 28
    baseline_window_days: Annotated[int, Field(ge=0, le=365)] = 28
    sources: dict[str, str] = Field(
        default_factory=lambda: {
            "trial_start": "Registry start date (statusModule.startDateStruct), its first day",
            "screening_window_days": _WINDOW_DEFAULT,
            "consent_window_days": _WINDOW_DEFAULT,
            "baseline_window_days": _WINDOW_DEFAULT
            + "; laboratory and imaging baseline as the visit schedule's baseline window",
        }
    )

    @model_validator(mode="after")
    def _every_value_has_a_source(self) -> EntryWindows:
        named = set(type(self).model_fields) - {"sources"}
        missing = sorted(named - {k for k, v in self.sources.items() if v.strip()})
        if missing:
            raise ValueError(f"no source for {', '.join(missing)}")
        return self


_RULE_DEFAULT = "Default, not the registry's (the record states no analysis plan)"
_VISIT_DEFAULT = "Default, not the registry's (the record states no visit schedule)"


class VisitIntervals(_Frozen):
    """The treatment and follow-up visits of the schedule, in days (tumour assessments are
    :class:`EndpointRules`' and the baseline window :class:`EntryWindows`').

    Attributes
    ----------
    treatment_interval_days, treatment_window_days
        Interval between treatment visits and the half-width of their window.
    safety_follow_up_days
        Days from the end of treatment to the safety follow-up (follow-up 1).
    survival_interval_days, follow_up_window_days
        Interval between later follow-up visits and the half-width of their window.
    sources
        Where each value comes from.
    """

    treatment_interval_days: Annotated[int, Field(ge=1, le=365)] = 28
    treatment_window_days: Annotated[int, Field(ge=0, le=60)] = 3
    safety_follow_up_days: Annotated[int, Field(ge=1, le=365)] = 30
    survival_interval_days: Annotated[int, Field(ge=1, le=365)] = 84
    follow_up_window_days: Annotated[int, Field(ge=0, le=60)] = 7
    sources: dict[str, str] = Field(
        default_factory=lambda: {
            "treatment_interval_days": _VISIT_DEFAULT + ": a treatment visit every 4 weeks",
            "treatment_window_days": _VISIT_DEFAULT + ": ± 3 days",
            "safety_follow_up_days": _VISIT_DEFAULT
            + ": the safety visit 30 days after the last dose",
            "survival_interval_days": _VISIT_DEFAULT + ": survival follow-up every 12 weeks",
            "follow_up_window_days": _VISIT_DEFAULT + ": ± 7 days",
        }
    )

    @model_validator(mode="after")
    def _every_value_has_a_source(self) -> VisitIntervals:
        named = set(type(self).model_fields) - {"sources"}
        missing = sorted(named - {k for k, v in self.sources.items() if v.strip()})
        if missing:
            raise ValueError(f"no source for {', '.join(missing)}")
        return self


_ADDED_LATER = ("imaging_ends_at_progression",)
"""Endpoint rules added after protocols were first stored with a trial."""


class EndpointRules(_Frozen):
    """The endpoint rules a statistical analysis plan fixes and the registry does not state.

    One definition, read by the casebook's visit schedule, the endpoints' missed-assessment
    rule, the analysis datasets and the simulator.

    Attributes
    ----------
    tumour_interval_days
        Days between scheduled tumour assessments (default 49: every 7 weeks).
    tumour_window_days
        Half-width of a tumour assessment's window (default 7: 7 ± 1 weeks).
    missed_assessment_limit
        Scheduled assessments missed before an event that make it censored (default 2).
    ttp_death_censoring
        Where TTP censors a death without progression: ``"last_adequate_assessment"`` (default)
        or ``"death"`` (the death date).
    orr_confirmation_required
        Whether CR and PR need a confirming assessment at least 28 days later (default False).
    sd_min_days
        Least time from randomization for stable disease to count as best response (default 0).
    imaging_ends_at_progression
        The response criteria whose first radiological progression (PD) ends the scheduled
        tumour assessments: ``"mrecist"`` (default) or ``"recist"`` (RECIST 1.1); None when the
        protocol keeps imaging beyond progression. After it the subject is followed for
        survival only.
    sources
        Where each value comes from.
    """

    tumour_interval_days: Annotated[int, Field(ge=1, le=365)] = 49
    tumour_window_days: Annotated[int, Field(ge=0, le=60)] = 7
    missed_assessment_limit: Annotated[int, Field(ge=1, le=10)] = 2
    ttp_death_censoring: Literal["last_adequate_assessment", "death"] = "last_adequate_assessment"
    orr_confirmation_required: bool = False
    sd_min_days: Annotated[int, Field(ge=0, le=365)] = 0
    imaging_ends_at_progression: Literal["mrecist", "recist"] | None = "mrecist"
    sources: dict[str, str] = Field(
        default_factory=lambda: {
            "tumour_interval_days": _RULE_DEFAULT
            + ": tumour assessments every 7 ± 1 weeks, within the 6-8 weeks of SHARP and "
            "Asia-Pacific (every 6 weeks)",
            "tumour_window_days": _RULE_DEFAULT + ": ± 1 week around each planned assessment",
            "missed_assessment_limit": "FDA 2018 endpoint guidance: an event after two or more "
            "missed assessments is censored at the last adequate assessment",
            "ttp_death_censoring": _RULE_DEFAULT
            + ": a death without progression is censored at the last adequate assessment, as "
            "most analysis plans do; the death date is an option",
            "orr_confirmation_required": "RECIST 1.1 (Eisenhauer 2009) asks for confirmation "
            "only when response is the primary endpoint; METSOR's is overall survival",
            "sd_min_days": _RULE_DEFAULT + ": no minimum stable-disease duration",
            "imaging_ends_at_progression": _RULE_DEFAULT
            + ": tumour assessments serve time to progression, progression-free survival and "
            "response, and stop at the first radiological progression by mRECIST (Lencioni & "
            "Llovet 2010), the primary response criteria here; the patient goes on to survival "
            "follow-up",
        }
    )

    @model_validator(mode="before")
    @classmethod
    def _rules_added_later_take_their_default(cls, data: object) -> object:
        """A protocol written before a rule of :data:`_ADDED_LATER` existed (stored with a
        trial, or a file) gives neither its value nor its source: it takes the default, with
        the default's source."""
        if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
            return data
        absent = [name for name in _ADDED_LATER if name not in data]
        missing = [name for name in absent if name not in data["sources"]]
        if not missing:
            return data
        defaults = cls.model_fields["sources"].get_default(call_default_factory=True)
        return data | {"sources": data["sources"] | {name: defaults[name] for name in missing}}

    @model_validator(mode="after")
    def _every_value_has_a_source(self) -> EndpointRules:
        named = set(type(self).model_fields) - {"sources"}
        missing = sorted(named - {k for k, v in self.sources.items() if v.strip()})
        if missing:
            raise ValueError(f"no source for {', '.join(missing)}")
        return self


class Protocol(_Frozen):
    """A two-arm trial as data: the registry record, corrections made to it, and assumptions.

    ``monitoring`` is the interim monitoring plan (:class:`metsor.protocol.monitoring.
    MonitoringPlan`) the data monitoring committee applies; None when the trial has none.
    """

    nct_id: NctId
    acronym: str | None = None
    brief_title: Text
    official_title: str | None = None
    other_ids: tuple[str, ...] = ()
    sponsor: Sponsor
    status: Status
    phases: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    design: Design
    arms: tuple[Arm, ...]
    interventions: tuple[Intervention, ...]
    outcomes: tuple[Outcome, ...]
    criteria: tuple[Criterion, ...]
    eligibility: Eligibility
    sites: tuple[Site, ...] = ()
    contacts: tuple[Contact, ...] = ()
    principal_investigator: Official | None = None
    ipd_sharing: IpdSharing | None = None
    corrections: tuple[Correction, ...] = ()
    assumptions: Assumptions | None = None
    monitoring: MonitoringPlan | None = None
    windows: EntryWindows = Field(default_factory=EntryWindows)
    endpoint_rules: EndpointRules = Field(default_factory=EndpointRules)
    visits: VisitIntervals = Field(default_factory=VisitIntervals)
    study_drugs: tuple[StudyDrug, ...] = ()
    stratification: tuple[StratificationFactor, ...] = ()

    @property
    def registered_horizon_months(self) -> float | None:
        """The time frame, in months, of the first primary outcome that the registry gives one
        (NCT02672488: 12, "12 months or time to death"); None when no primary outcome has one."""
        return next(
            (
                o.time_frame_months
                for o in self.outcomes
                if o.type == "primary" and o.time_frame_months is not None
            ),
            None,
        )

    @property
    def trial_start(self) -> date | None:
        """The first day data of the trial may bear: the windows' ``trial_start`` if set, else
        the first day of the registry's start date; None when neither is known."""
        if self.windows.trial_start is not None:
            return self.windows.trial_start
        return None if self.status.start is None else self.status.start.first_day

    @model_validator(mode="after")
    def _references_resolve(self) -> Protocol:
        _unique("arms", [a.label for a in self.arms])
        _unique("interventions", [i.name for i in self.interventions])
        _unique("criteria", [c.id for c in self.criteria])
        known = {i.name for i in self.interventions}
        for arm in self.arms:
            unknown = [n for n in arm.intervention_names if n not in known]
            if unknown:
                raise ValueError(f"arm '{arm.label}' names unknown interventions: {unknown}")
        if self.design.allocation_ratio is not None and len(self.arms) != 2:
            raise ValueError("an allocation ratio is given for a trial without exactly two arms")
        _unique("arm codes", [a.code for a in self.arms if a.code is not None])
        _unique("study drugs", [d.code for d in self.study_drugs])
        _unique("stratification factors", [f.name for f in self.stratification])
        for drug in self.study_drugs:
            if drug.intervention not in known:
                raise ValueError(
                    f"study drug '{drug.code}' doses unknown intervention '{drug.intervention}'"
                )
        return self

    @property
    def arm_codes(self) -> tuple[str, ...]:
        """The arm codes in the protocol's order (experimental first); NotFoundError when an
        arm has no code (a registry record that was not made runnable)."""
        missing = [a.label for a in self.arms if a.code is None]
        if missing:
            raise NotFoundError(
                f"arms without a code: {', '.join(missing)}; the protocol cannot be run",
                field="arms",
            )
        return tuple(str(a.code) for a in self.arms)

    @property
    def arm_labels(self) -> dict[str, str]:
        """Each arm code mapped to the arm's short label."""
        return {code: self.arm_by_code(code).display for code in self.arm_codes}

    def arm_by_code(self, code: str) -> Arm:
        """The arm with this code; NotFoundError names the known codes otherwise."""
        for a in self.arms:
            if a.code == code:
                return a
        known = ", ".join(a.code for a in self.arms if a.code)
        raise NotFoundError(f"no arm with code '{code}'; known: {known}", field="arm")

    @property
    def experimental_arm(self) -> Arm:
        """The first arm of type ``EXPERIMENTAL`` (else the first arm)."""
        return next((a for a in self.arms if a.type == "EXPERIMENTAL"), self.arms[0])

    def study_drug(self, code: str) -> StudyDrug:
        """The study drug with this casebook code; NotFoundError names the known ones."""
        for drug in self.study_drugs:
            if drug.code == code:
                return drug
        known = ", ".join(d.code for d in self.study_drugs)
        raise NotFoundError(f"unknown drug '{code}'; expected one of: {known}", field="drug")

    def drugs_of(self, arm_code: str | None) -> tuple[StudyDrug, ...]:
        """The study drugs an arm gives, in the order of its interventions; () for None."""
        if arm_code is None:
            return ()
        arm = self.arm_by_code(arm_code)
        by_intervention = {d.intervention: d for d in self.study_drugs}
        return tuple(
            by_intervention[name] for name in arm.intervention_names if name in by_intervention
        )

    def stratum_factor(self, name: str) -> StratificationFactor:
        """The stratification factor of this name."""
        for factor in self.stratification:
            if factor.name == name:
                return factor
        known = ", ".join(f.name for f in self.stratification)
        raise NotFoundError(f"no stratification factor '{name}'; known: {known}", field="factor")

    def criteria_of(self, kind: CriterionKind) -> tuple[Criterion, ...]:
        """The inclusion or the exclusion criteria, in registry order."""
        return tuple(c for c in self.criteria if c.kind == kind)

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id; NotFoundError names the known ids otherwise."""
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        known = ", ".join(c.id for c in self.criteria)
        raise NotFoundError(f"no criterion '{criterion_id}'; known: {known}", field="criterion")

    def intervention(self, name: str) -> Intervention:
        """The intervention of this name (case-insensitive, brand names included)."""
        wanted = name.casefold()
        for i in self.interventions:
            if wanted in {n.casefold() for n in (i.name, *i.other_names)}:
                return i
        known = ", ".join(i.name for i in self.interventions)
        raise NotFoundError(f"no intervention '{name}'; known: {known}", field="intervention")

    def arm(self, label: str) -> Arm:
        """The arm with this label."""
        for a in self.arms:
            if a.label == label:
                return a
        known = ", ".join(a.label for a in self.arms)
        raise NotFoundError(f"no arm '{label}'; known: {known}", field="arm")


def _unique(what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what}: '{name}' appears twice")
        seen.add(name)
