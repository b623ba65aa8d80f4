"""Calibration presets of the virtual trial: what its patients must reproduce, and from where.

A preset is a published sorafenib arm (:data:`metsor.design.outcomes.PRESETS`: survival,
progression and response) with the adverse events of sorafenib in HCC (:data:`SORAFENIB_EVENTS`),
the rates of discontinuation and dose reduction for toxicity, and, for the metformin arm, the
Glucophage label's events in excess of placebo (:data:`METFORMIN_EXCESS`). Every figure carries
its citation (CLINICAL-REFERENCE.md, "Calibration targets for the virtual sorafenib arm");
:func:`targets` lists what ``metsor insilico calibrate`` compares the virtual patients with.

The default preset, ``metsor``, is the sorafenib arm of ORIENT-32: the most recent sorafenib
arm of a Chinese, HBV-dominated population (94% HBV) like METSOR's, with the Nexavar label's
adverse events and SHARP's discontinuation rate, as no Chinese trial reports them by term here.
"""

from __future__ import annotations

from dataclasses import dataclass

from metsor.design.outcomes import PRESETS, OutcomePreset
from metsor.errors import InputError

__all__ = [
    "DEFAULT_PRESET",
    "EXCESS_EVENTS",
    "METFORMIN_EXCESS",
    "SORAFENIB_EVENTS",
    "AdverseEventRate",
    "ExcessEvent",
    "Target",
    "ToxicityProfile",
    "inactive_drug_profile",
    "outcome_preset",
    "targets",
    "toxicity_profile",
]

DEFAULT_PRESET = "metsor"
"""The preset of the virtual METSOR trial: ORIENT-32's Chinese sorafenib arm."""

_LABEL = "Nexavar label, HCC (SHARP table)"


@dataclass(frozen=True)
class AdverseEventRate:
    """How often an adverse event of sorafenib occurs, any grade and grade 3 or more.

    Attributes
    ----------
    term
        The term as the casebook records it.
    any_grade, grade_3_or_more
        Shares of treated patients.
    source
        Where the figures come from.
    """

    term: str
    any_grade: float
    grade_3_or_more: float
    source: str = _LABEL


SORAFENIB_EVENTS: tuple[AdverseEventRate, ...] = (
    AdverseEventRate("diarrhoea", 0.55, 0.10),  # 55 / 10 / <1
    AdverseEventRate("fatigue", 0.46, 0.10),  # 46 / 9 / 1 (CTCAE v5.0 fatigue stops at grade 3)
    AdverseEventRate("abdominal pain", 0.31, 0.09),  # 31 / 9 / 0
    AdverseEventRate("weight loss", 0.30, 0.02),  # 30 / 2 / 0
    AdverseEventRate("anorexia", 0.29, 0.03),  # 29 / 3 / 0
    AdverseEventRate("nausea", 0.24, 0.01),  # 24 / 1 / 0
    AdverseEventRate("hand-foot skin reaction", 0.21, 0.08),  # 21 / 8 / 0
    AdverseEventRate("rash", 0.19, 0.01),  # rash or desquamation 19 / 1 / 0
    AdverseEventRate("alopecia", 0.14, 0.0),  # 14 / 0 / 0
)
"""Adverse events of sorafenib in HCC, any grade / grade ≥ 3 (Nexavar prescribing
information, HCC; SHARP, Llovet JM et al. NEJM 2008;359:378). Grade 4 is folded into 3.
Checked against the sorafenib column (n = 297) of the label's HCC table as reproduced at
hcp.nexavar-us.com/hepatocellular-carcinoma/adverse-reactions: every figure agrees."""

_HYPERTENSION = AdverseEventRate(
    "hypertension", 0.15, 0.03, "earlier model of this trial; not a calibration target"
)
"""Hypertension is kept for the blood pressure it shows at visits; no figure of the clinical
reference gives its rate, so it is modelled (assumption) and not compared."""

_ASIA_PACIFIC_HFSR = AdverseEventRate(
    "hand-foot skin reaction",
    0.45,
    0.107,
    "Cheng AL et al., Lancet Oncol 2009;10:25 (Asia-Pacific): any grade 45%, grade 3–4 10.7%",
)


@dataclass(frozen=True)
class ExcessEvent:
    """An adverse event of metformin: its rate on metformin and on placebo (Glucophage label).

    The share of metformin-arm patients who get it from metformin is the excess over placebo
    among those who would not have had it anyway, ``(metformin − placebo) / (1 − placebo)``;
    it adds to the sorafenib event of the same term as an independent cause.
    """

    term: str
    metformin: float
    placebo: float
    label_term: str

    @property
    def attributable(self) -> float:
        """Share of patients who have the event because of metformin."""
        return (self.metformin - self.placebo) / (1.0 - self.placebo)


METFORMIN_EXCESS: tuple[ExcessEvent, ...] = (
    ExcessEvent("diarrhoea", 0.532, 0.117, "diarrhea"),
    ExcessEvent("nausea", 0.255, 0.083, "nausea/vomiting"),
    ExcessEvent("flatulence", 0.121, 0.055, "flatulence"),
    ExcessEvent("fatigue", 0.092, 0.055, "asthenia"),
    ExcessEvent("dyspepsia", 0.071, 0.041, "indigestion"),
    ExcessEvent("abdominal pain", 0.064, 0.048, "abdominal discomfort"),
    ExcessEvent("headache", 0.057, 0.048, "headache"),
)
"""Glucophage (metformin) label, monotherapy trials, metformin vs placebo. Lactic acidosis is
rare (boxed warning) and hypoglycaemia uncommon on metformin alone: see
:mod:`metsor.insilico.toxicity` for their rules."""

EXCESS_EVENTS: dict[str, tuple[ExcessEvent, ...]] = {"metformin": METFORMIN_EXCESS}
"""The label's events in excess of placebo of a drug an arm adds, by the protocol's drug
code."""


@dataclass(frozen=True)
class ToxicityProfile:
    """Adverse events and the dose changes they cause, for one preset.

    Attributes
    ----------
    events
        Sorafenib adverse events, the compared ones first.
    discontinuation
        Share of patients who stop sorafenib for an adverse event (those of progressive
        disease included) before radiological progression.
    dose_reduction
        Share of patients whose sorafenib dose is reduced (a target; it follows from the
        label's rules and ``grade_2_reduction``).
    grade_2_reduction
        Chance that a grade 2 hand-foot skin reaction or diarrhoea not improved within 7 days,
        or a grade 2 hypertension, reduces the dose: 1, the label's rule applied every time,
        gives the trials' share reduced (checked by ``metsor insilico calibrate``); 0.85 for
        Asia-Pacific, whose hand-foot skin reaction rate is twice SHARP's (calibrated).
    sources
        Citation of the discontinuation and reduction figures.
    """

    events: tuple[AdverseEventRate, ...]
    discontinuation: float
    dose_reduction: float
    grade_2_reduction: float
    sources: str

    @property
    def compared(self) -> tuple[AdverseEventRate, ...]:
        """The events with a published rate (hypertension excepted)."""
        return tuple(e for e in self.events if e is not _HYPERTENSION)


_DOSE_SOURCES = (
    "discontinuation for adverse events 38% (SHARP, Llovet 2008; events of progressive "
    "disease included); dose reduction about 31% (Asia-Pacific, Cheng 2009)"
)


def _profile(*events: AdverseEventRate, grade_2_reduction: float = 1.0) -> ToxicityProfile:
    return ToxicityProfile(
        events=(*events, _HYPERTENSION),
        discontinuation=0.38,
        dose_reduction=0.31,
        grade_2_reduction=grade_2_reduction,
        sources=_DOSE_SOURCES,
    )


_PROFILES: dict[str, ToxicityProfile] = {
    "sharp": _profile(*SORAFENIB_EVENTS),
    "asia-pacific": _profile(
        *(
            _ASIA_PACIFIC_HFSR if e.term == "hand-foot skin reaction" else e
            for e in SORAFENIB_EVENTS
        ),
        # Calibrated (assumption): with Asia-Pacific's 45% hand-foot skin reaction, applying the
        # grade 2 rule every time reduces 33% against the trial's own 31% (Cheng 2009).
        grade_2_reduction=0.85,
    ),
    "reflect": _profile(*SORAFENIB_EVENTS),
    "metsor": _profile(*SORAFENIB_EVENTS),
}


def _known(preset: str) -> str:
    if preset not in PRESETS:
        raise InputError(
            f"preset must be one of {', '.join(PRESETS)}, got {preset!r}", field="preset"
        )
    return preset


def outcome_preset(preset: str) -> OutcomePreset:
    """The survival, progression and response figures of ``preset``."""
    return PRESETS[_known(preset)]


def toxicity_profile(preset: str) -> ToxicityProfile:
    """The adverse events and dose changes of ``preset``."""
    return _PROFILES[_known(preset)]


_PLACEBO = (
    "Nexavar prescribing information, adverse reactions in the HCC study (SHARP), placebo "
    "column, n = 302 (as reproduced at hcp.nexavar-us.com/hepatocellular-carcinoma/"
    "adverse-reactions): all grades / grade 3 / grade 4, %"
)

PLACEBO_EVENTS: tuple[AdverseEventRate, ...] = (
    AdverseEventRate("diarrhoea", 0.25, 0.02, f"{_PLACEBO}: 25 / 2 / 0"),
    AdverseEventRate("fatigue", 0.45, 0.14, f"{_PLACEBO}: 45 / 12 / 2"),
    AdverseEventRate("abdominal pain", 0.26, 0.06, f"{_PLACEBO}: 26 / 5 / 1"),
    AdverseEventRate("weight loss", 0.10, 0.01, f"{_PLACEBO}: 10 / 1 / 0"),
    AdverseEventRate("anorexia", 0.18, 0.03, f"{_PLACEBO}: 18 / 3 / <1 (grade 4 not added)"),
    AdverseEventRate("nausea", 0.20, 0.03, f"{_PLACEBO}: 20 / 3 / 0"),
    AdverseEventRate(
        "hand-foot skin reaction",
        0.03,
        0.003,
        f"{_PLACEBO}: 3 / <1 / 0 (grade 3 taken as one patient of 302, 0.3%: assumption)",
    ),
    AdverseEventRate("rash", 0.14, 0.0, f"{_PLACEBO}: rash or desquamation 14 / 0 / 0"),
    AdverseEventRate("alopecia", 0.02, 0.0, f"{_PLACEBO}: 2 / 0 / 0"),
)
"""Adverse events on placebo in SHARP, any grade / grade ≥ 3, checked against the placebo column
of the Nexavar label's HCC table (grade 4 folded into 3, as for sorafenib; a grade 4 of "<1%"
is not added). The sorafenib column of the same table (n = 297) is :data:`SORAFENIB_EVENTS`."""

_PLACEBO_PROFILE = ToxicityProfile(
    events=(*PLACEBO_EVENTS, AdverseEventRate("hypertension", 0.05, 0.01, "assumption")),
    discontinuation=0.37,
    dose_reduction=0.0,
    grade_2_reduction=1.0,
    sources="discontinuation for adverse events 37% on placebo, 38% on sorafenib (SHARP, Llovet "
    "2008, as tabulated at pmc.ncbi.nlm.nih.gov/articles/PMC6095169, Table 2; events of "
    "progressive disease included); reductions follow the same rule as the active drug (not a "
    "calibration target); hypertension 5% / 1% on placebo is an assumption (not in the "
    "label's table)",
)


def inactive_drug_profile(preset: str) -> ToxicityProfile:
    """The adverse events and dose changes of a placebo arm beside ``preset``'s drug arm."""
    _known(preset)
    return _PLACEBO_PROFILE


@dataclass(frozen=True)
class Target:
    """A published figure a virtual population is compared with.

    Attributes
    ----------
    key
        What is measured: ``os_median``, ``ttp_median``, ``pfs_median`` (months, as observed),
        ``orr_mrecist``, ``orr_recist``, ``cr_pr_sd_recist`` (best response CR, PR or SD by
        RECIST at any assessment, no minimum duration of stable disease), ``discontinued_ae``,
        ``dose_reduced``, ``ae_any:<term>``, ``ae_g3:<term>``.
    arm
        ``control``: the arm of the preset's drug (sorafenib); ``experimental``: the other arm
        of the trial the preset is run in (metformin plus sorafenib in METSOR, placebo in
        SHARP).
    value
        The figure.
    source
        Its citation, or how it is derived.
    digits
        Decimals the figure was published with (months: 1; shares: 2 for a whole percentage,
        3 for one with a tenth).
    published_range
        The lowest and highest figure, where the sources give a range (REFLECT's PFS).
    """

    key: str
    arm: str
    value: float
    source: str
    digits: int = 2
    published_range: tuple[float, float] | None = None

    @property
    def is_median(self) -> bool:
        """Whether the target is a median time (months) rather than a share."""
        return self.key.endswith("_median")

    @property
    def bounds(self) -> tuple[float, float]:
        """The values that round to the published figure (``digits`` decimals)."""
        half = 0.5 * 10.0**-self.digits
        low, high = self.published_range or (self.value, self.value)
        return max(0.0, low - half), high + half


def targets(
    preset: str, *, inactive_other_arm: bool = False, added_drugs: tuple[str, ...] = ()
) -> tuple[Target, ...]:
    """Every figure of ``preset`` that ``metsor insilico calibrate`` compares.

    Parameters
    ----------
    preset
        A key of :data:`metsor.design.outcomes.PRESETS`.
    inactive_other_arm
        Whether the other arm of the trial gives only inactive drugs (a placebo): its adverse
        events and discontinuation are then compared with SHARP's placebo column
        (:data:`PLACEBO_EVENTS`).
    added_drugs
        Otherwise, the codes of the drugs the other arm adds to the preset's: the label's
        excess events of each drug in :data:`EXCESS_EVENTS` (the trial's protocol names them:
        :func:`metsor.insilico.calibration.calibration_targets`; none by default).

    Returns
    -------
    tuple of Target
        Survival and progression medians, response rates, adverse events of the preset's arm
        by term and grade, discontinuation and dose reduction for toxicity, then the other
        arm's: placebo's survival, progression and best response where published
        (:attr:`~metsor.design.outcomes.OutcomePreset.comparator`), its events by term and grade
        and its discontinuation, or the added drug's
        events (sorafenib's rate and the drug's attributable share combined as independent
        causes).

    Raises
    ------
    InputError
        For an unknown preset.
    """
    p = outcome_preset(preset)
    tox = toxicity_profile(preset)
    cite = p.source
    found = [Target("os_median", "control", p.os_median, cite, 1)]
    if preset != "metsor":
        found.append(Target("ttp_median", "control", p.ttp_median, cite, 1))
    if p.pfs_median is not None:
        spread = (3.6, 3.7) if preset == "reflect" else None
        found.append(Target("pfs_median", "control", p.pfs_median, cite, 1, spread))
    found.append(Target("orr_mrecist", "control", p.response_rate, cite, 3))
    found.append(Target("orr_recist", "control", p.recist_rate, cite, 3))
    if p.stable_or_better is not None:
        found.append(Target("cr_pr_sd_recist", "control", p.stable_or_better, cite, 2))
    for event in tox.compared:
        digits = 3 if preset == "asia-pacific" and event.term == "hand-foot skin reaction" else 2
        found.append(
            Target(f"ae_any:{event.term}", "control", event.any_grade, event.source, digits)
        )
        found.append(
            Target(f"ae_g3:{event.term}", "control", event.grade_3_or_more, event.source, digits)
        )
    found.append(Target("discontinued_ae", "control", tox.discontinuation, tox.sources))
    found.append(Target("dose_reduced", "control", tox.dose_reduction, tox.sources))
    if inactive_other_arm:
        return (*found, *_comparator_targets(preset), *_placebo_targets())
    sorafenib = {e.term: e.any_grade for e in tox.events}
    for drug in added_drugs:
        for excess in EXCESS_EVENTS.get(drug, ()):
            base = sorafenib.get(excess.term, 0.0)
            combined = 1.0 - (1.0 - base) * (1.0 - excess.attributable)
            source = (
                f"Glucophage label {excess.label_term} {excess.metformin:.1%} vs placebo "
                f"{excess.placebo:.1%}, combined with sorafenib's {base:.0%}"
            )
            found.append(
                Target(f"ae_any:{excess.term}", "experimental", round(combined, 4), source, 3)
            )
    return tuple(found)


def _comparator_targets(preset: str) -> list[Target]:
    """The other arm's published survival, progression and best response, where the preset's
    trial publishes them beside a placebo arm (SHARP)."""
    p = outcome_preset(preset)
    other = p.comparator
    if other is None:
        return []
    cite = f"{p.source}; {other.derivation}"
    return [
        Target("os_median", "experimental", other.os_median, cite, 1),
        Target("ttp_median", "experimental", other.ttp_median, cite, 1),
        Target("cr_pr_sd_recist", "experimental", other.stable_or_better, cite, 2),
    ]


def _placebo_targets() -> list[Target]:
    """The placebo arm's adverse events by term and grade, and its discontinuation."""
    found = []
    for event in PLACEBO_EVENTS:
        found.append(Target(f"ae_any:{event.term}", "experimental", event.any_grade, event.source))
        digits = 3 if event.term == "hand-foot skin reaction" else 2
        g3 = event.grade_3_or_more
        found.append(Target(f"ae_g3:{event.term}", "experimental", g3, event.source, digits))
    profile = _PLACEBO_PROFILE
    found.append(
        Target("discontinued_ae", "experimental", profile.discontinuation, profile.sources)
    )
    return found
