"""The criteria of NCT02672488 that the registry record leaves open, read as settings.

Each choice is a field of :class:`EligibilitySettings` with a documented default; a
screening records the settings that differ from the defaults in its rules version
(:meth:`EligibilitySettings.tag`). ``metsor protocol review`` names each as an open
interpretation.

- Age. The criterion reads "Age > 18 years old"; the structured field "18 Years and older".
  Default ``age_rule="criterion"``: the criterion's text, age in completed years > 18.
  ``"structured"`` takes ≥ 18.
- BCLC-C. The official title says the trial is for BCLC-C, and the registry lists "Barcelona
  Clinical Liver Cancer staging C" as the third way to confirm HCC. A stage is not a diagnosis:
  staging presupposes one. So HCC is confirmed by histopathology or by ≥ 2 imaging techniques
  showing typical arterial hypervascularization, and BCLC-C is never accepted as a confirmation.
  By default (``require_bclc_c=True``) the ``hcc_confirmed`` criterion also requires a derived
  BCLC stage C (2022 update), as the official title says; with ``require_bclc_c=False``
  (``--no-require-bclc-c``) the stage is only reported (``derived.bclc``).
- First line. The title says first-line therapy; the registry only excludes systemic
  chemotherapy in the last 6 months. By default (``first_line=True``) the
  ``recent_systemic_chemo`` criterion also excludes any prior systemic therapy for HCC
  (``history.prior_systemic_therapy``), as SHARP and Asia-Pacific did; ``first_line=False``
  applies the registry's 6-month exclusion alone.
- Child-Pugh albumin cut-off of 3 points: ``albumin_cutoff_g_dl``, default 2.8 g/dL.
- "Presence of History of gastrointestinal bleeding" has no time window. Default
  ``gi_bleeding_window_days=None``: any history excludes, as written; a number of days
  excludes only bleeding that recent (``history.gi_bleeding_days_ago``). A protocol that states
  its own window sets it as the criterion's parameter ``window_days`` (SHARP: 30 days;
  :mod:`metsor.eligibility.parameters`), which this setting does not override.
- "Patients with signs of bleeding or medical history": default ``bleeding_window_days=None``,
  the investigator's attestation of signs or any history of bleeding excludes, as written; a
  number of days excludes only bleeding that recent (``history.bleeding_days_ago``).
- "Metastatic liver cancer": default ``metastatic_liver_cancer="other_primary"``, liver
  metastases of a cancer other than HCC (``metastatic_liver_cancer``); HCC with extrahepatic
  spread is BCLC-C itself, the trial's population. ``"with_extrahepatic_spread"`` also excludes
  HCC with extrahepatic spread.
- "Severe cardiovascular disease": default ``cardiovascular_nyha_max=None``, the investigator's
  attestation (``history.severe_cardiovascular_disease``); a class (SHARP: 2) also excludes
  heart failure above that NYHA class (``history.nyha_class``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from metsor.eligibility.record import ScreeningRecord
from metsor.eligibility.thresholds import RuleResult, Status
from metsor.errors import InputError
from metsor.plurals import counted

__all__ = [
    "EligibilitySettings",
    "RefusedEligibilitySettings",
    "any_of",
    "cardiovascular_rule",
    "first_line_rule",
    "flag",
    "metastatic_rule",
    "within_window_rule",
]

Rule = Callable[[ScreeningRecord], RuleResult]


@dataclass(frozen=True)
class EligibilitySettings:
    """Choices the registry record leaves open; see the module docstring.

    Attributes
    ----------
    age_rule
        ``"criterion"`` (age > 18, the default) or ``"structured"`` (age ≥ 18).
    require_bclc_c
        Whether ``hcc_confirmed`` also requires a derived BCLC stage C (default True).
    albumin_cutoff_g_dl
        Albumin below which Child-Pugh gives 3 points (default 2.8 g/dL).
    first_line
        Whether any prior systemic therapy for HCC excludes (default True).
    gi_bleeding_window_days
        Days within which a gastrointestinal bleeding excludes; None (default): any history.
    bleeding_window_days
        Days within which signs or history of bleeding exclude; None (default): any.
    metastatic_liver_cancer
        ``"other_primary"`` (default) or ``"with_extrahepatic_spread"``.
    cardiovascular_nyha_max
        Highest NYHA class of heart failure allowed besides the attestation; None (default):
        the attestation alone.
    """

    age_rule: Literal["criterion", "structured"] = "criterion"
    require_bclc_c: bool = True
    albumin_cutoff_g_dl: float = 2.8
    first_line: bool = True
    gi_bleeding_window_days: int | None = None
    bleeding_window_days: int | None = None
    metastatic_liver_cancer: Literal["other_primary", "with_extrahepatic_spread"] = "other_primary"
    cardiovascular_nyha_max: int | None = None

    def __post_init__(self) -> None:
        for name, low, high in (
            ("gi_bleeding_window_days", 0, 36_500),
            ("bleeding_window_days", 0, 36_500),
            ("cardiovascular_nyha_max", 1, 3),
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InputError(
                    f"{name} must be a whole number from {low} to {high}, got {value!r}",
                    field=name,
                )
        if self.metastatic_liver_cancer not in ("other_primary", "with_extrahepatic_spread"):
            raise InputError(
                "metastatic_liver_cancer must be 'other_primary' or 'with_extrahepatic_spread', "
                f"got {self.metastatic_liver_cancer!r}",
                field="metastatic_liver_cancer",
            )

    def tag(self) -> str:
        """A short text naming the settings that differ from the defaults ("" if none)."""
        parts = []
        if self.age_rule != "criterion":
            parts.append(f"age={self.age_rule}")
        if not self.require_bclc_c:
            parts.append("bclc_c=not_required")
        if self.albumin_cutoff_g_dl != 2.8:
            parts.append(f"albumin_cutoff={self.albumin_cutoff_g_dl:g}")
        if not self.first_line:
            parts.append("first_line=chemo_6_months")
        if self.gi_bleeding_window_days is not None:
            parts.append(f"gi_bleeding_window={self.gi_bleeding_window_days}d")
        if self.bleeding_window_days is not None:
            parts.append(f"bleeding_window={self.bleeding_window_days}d")
        if self.metastatic_liver_cancer != "other_primary":
            parts.append(f"metastatic={self.metastatic_liver_cancer}")
        if self.cardiovascular_nyha_max is not None:
            parts.append(f"nyha_max={self.cardiovascular_nyha_max}")
        return ",".join(parts)


class RefusedEligibilitySettings(EligibilitySettings):
    """Eligibility settings of which some were refused where they were given (the environment).

    Reading a refused setting, or anything made from it (:meth:`~EligibilitySettings.tag`, a
    screening, a baseline score), raises its :class:`~metsor.errors.InputError` again, naming
    the setting, the value and what is allowed; the other settings read as given. So a
    malformed setting stops what uses it and nothing else: the settings are read once, when
    the database is opened (:func:`metsor.config.settings`), and ``metsor audit verify`` or a
    report that screens no one runs whatever they say.

    Parameters
    ----------
    given
        The settings as read, a default standing for each refused one.
    refused
        The refusal of each refused setting, by attribute name.
    """

    def __init__(self, given: EligibilitySettings, refused: Mapping[str, InputError]) -> None:
        object.__setattr__(self, "_refused", dict(refused))  # before the fields are checked
        super().__init__(**{item.name: getattr(given, item.name) for item in fields(given)})

    def __getattribute__(self, name: str) -> Any:
        refused: dict[str, InputError] = object.__getattribute__(self, "_refused")
        if name in refused:
            problem = refused[name]
            raise InputError(problem.message, field=problem.field)
        return object.__getattribute__(self, name)

    def __repr__(self) -> str:
        refused = object.__getattribute__(self, "_refused")
        return f"RefusedEligibilitySettings(refused={sorted(refused)})"

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


def flag(section: str | None, field: str, label: str) -> Rule:
    """An exclusion met when a yes/no field of the record is yes.

    Parameters
    ----------
    section
        The part of the record holding the field (``"history"``), None for the top level.
    field
        The yes/no field.
    label
        Name in reasons.

    Returns
    -------
    callable
        The rule.
    """

    def rule(record: ScreeningRecord) -> RuleResult:
        holder = record if section is None else getattr(record, section)
        value: bool | None = None if holder is None else getattr(holder, field)
        if value is None:
            return RuleResult("unknown", f"{label}: not recorded")
        return RuleResult("fail", f"{label}: yes") if value else RuleResult("pass", f"{label}: no")

    rule.__name__ = field
    return rule


def any_of(results: list[RuleResult]) -> RuleResult:
    """An exclusion met when any of its readings is met: one fail suffices, a pass needs all.

    Parameters
    ----------
    results
        The results of each reading.

    Returns
    -------
    RuleResult
        The combined result.
    """
    failed = [r.reason for r in results if r.status == "fail"]
    if failed:
        return RuleResult("fail", "; ".join(failed))
    status: Status = "pass" if all(r.status == "pass" for r in results) else "unknown"
    return RuleResult(status, "; ".join(r.reason for r in results))


def first_line_rule(settings: EligibilitySettings) -> Rule:
    """The ``recent_systemic_chemo`` rule: the 6-month exclusion, and first line if set.

    Parameters
    ----------
    settings
        The settings; ``first_line`` decides whether prior systemic therapy excludes.

    Returns
    -------
    callable
        The rule.
    """
    chemo = flag(
        "history", "systemic_chemo_within_6_months", "systemic chemotherapy in the last 6 months"
    )
    prior = flag("history", "prior_systemic_therapy", "prior systemic therapy for HCC")

    def recent_systemic_chemo(record: ScreeningRecord) -> RuleResult:
        """Systemic chemotherapy in the last 6 months (and, first line, any prior therapy)."""
        if not settings.first_line:
            return chemo(record)
        return any_of([chemo(record), prior(record)])

    return recent_systemic_chemo


def within_window_rule(field: str, days_field: str, label: str, window: int | None) -> Rule:
    """An exclusion by a yes/no history field, only within ``window`` days when one is set.

    Parameters
    ----------
    field
        The yes/no field of ``history``.
    days_field
        The field of ``history`` giving how many days ago the event was.
    label
        Name in reasons.
    window
        Days within which the event excludes; None: any time.

    Returns
    -------
    callable
        The rule.
    """
    attested = flag("history", field, label)

    def rule(record: ScreeningRecord) -> RuleResult:
        judged = attested(record)
        if window is None or judged.status != "fail":
            return judged
        days: int | None = getattr(record.history, days_field)
        if days is None:
            return RuleResult(
                "unknown", f"{label}: yes, when not recorded (window {counted(window, 'day')})"
            )
        if days <= window:
            return RuleResult(
                "fail", f"{label} {counted(days, 'day')} ago (≤ {counted(window, 'day')})"
            )
        return RuleResult(
            "pass", f"{label} {counted(days, 'day')} ago (> {counted(window, 'day')})"
        )

    rule.__name__ = field
    return rule


def metastatic_rule(settings: EligibilitySettings) -> Rule:
    """The ``metastatic_liver_cancer`` rule under the chosen reading.

    Parameters
    ----------
    settings
        The settings; ``metastatic_liver_cancer`` is the reading.

    Returns
    -------
    callable
        The rule.
    """
    other = flag(None, "metastatic_liver_cancer", "metastatic liver cancer")

    def spread(record: ScreeningRecord) -> RuleResult:
        value = record.tumour.extrahepatic_spread if record.tumour else None
        if value is None:
            return RuleResult("unknown", "extrahepatic spread: not recorded")
        return RuleResult(
            "fail" if value else "pass", f"extrahepatic spread: {'yes' if value else 'no'}"
        )

    def metastatic_liver_cancer(record: ScreeningRecord) -> RuleResult:
        """Liver metastases of another cancer (and, as an option, HCC with extrahepatic spread)."""
        if settings.metastatic_liver_cancer == "other_primary":
            return other(record)
        return any_of([other(record), spread(record)])

    return metastatic_liver_cancer


def cardiovascular_rule(settings: EligibilitySettings) -> Rule:
    """The ``severe_cardiovascular_disease`` rule: the attestation, and NYHA class if set.

    Parameters
    ----------
    settings
        The settings; ``cardiovascular_nyha_max`` is the highest class allowed.

    Returns
    -------
    callable
        The rule.
    """
    attested = flag("history", "severe_cardiovascular_disease", "severe cardiovascular disease")
    limit = settings.cardiovascular_nyha_max

    def nyha(record: ScreeningRecord) -> RuleResult:
        value = record.history.nyha_class if record.history else None
        if value is None:
            return RuleResult("unknown", f"NYHA class not recorded (needs ≤ {limit})")
        if limit is not None and value > limit:
            return RuleResult("fail", f"heart failure NYHA class {value} > {limit}")
        return RuleResult("pass", f"NYHA class {value} ≤ {limit}")

    def severe_cardiovascular_disease(record: ScreeningRecord) -> RuleResult:
        """Severe cardiovascular disease: the attestation (and, as an option, NYHA class)."""
        if limit is None:
            return attested(record)
        return any_of([attested(record), nyha(record)])

    return severe_cardiovascular_disease
