"""The screening record: what is known about a candidate when eligibility is checked.

Every field is optional; a missing field means *unknown*, never *normal*. Types are strict:
a string where a number is expected, or ``1`` where a boolean is expected, is an input error,
not a value to be coerced. Laboratory values carry their unit; the units a record may use are
those :mod:`metsor.clinical.units` can convert to the unit of the trial's thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from metsor.clinical import plausibility, units
from metsor.errors import InputError
from metsor.validation import input_error

__all__ = [
    "ACCEPTED_UNITS",
    "CANONICAL_UNITS",
    "LAB_ANALYTES",
    "EnzymeValue",
    "HccConfirmation",
    "History",
    "LabValue",
    "Labs",
    "Liver",
    "ScreeningRecord",
    "Tumour",
    "json_schema",
    "parse_record",
]

#: The analytes of a screening record's ``labs``.
LAB_ANALYTES: tuple[str, ...] = (
    "hemoglobin",
    "anc",
    "platelets",
    "total_bilirubin",
    "albumin",
    "ast",
    "alt",
    "alp",
    "inr",
    "prothrombin_activity",
)

#: Units a screening record may use for each laboratory value (other spellings of these,
#: such as ``µmol/L`` or ``x10^9/L``, are accepted and stored in this spelling).
ACCEPTED_UNITS: dict[str, tuple[str, ...]] = {
    analyte: tuple(units.ACCEPTED_UNITS[analyte]) for analyte in LAB_ANALYTES
}

#: The unit in which the registry record states each threshold; values are converted to it.
CANONICAL_UNITS: dict[str, str] = {
    "hemoglobin": "g/dL",
    "anc": "/mm3",
    "platelets": "/uL",
    "total_bilirubin": "mg/dL",
    "albumin": "g/dL",
    "ast": "U/L",
    "alt": "U/L",
    "alp": "U/L",
    "inr": "",
    "prothrombin_activity": "%",
}

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class LabValue(BaseModel):
    """One laboratory value with its unit.

    Subclasses name the analyte; the unit must be one of :data:`ACCEPTED_UNITS` for it and
    convertible by :func:`metsor.clinical.units.convert` to the threshold's unit.
    """

    model_config = _STRICT
    analyte: ClassVar[str] = ""

    value: float = Field(ge=0, description="Measured value (non-negative).")
    unit: str = Field(description="Unit of the value.")

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        try:
            return units.normalize_unit(cls.analyte, unit)
        except InputError:
            shown = ", ".join(
                u if u else "'' (no unit)" for u in ACCEPTED_UNITS.get(cls.analyte, ())
            )
            raise ValueError(f"unknown unit {unit!r} (accepted: {shown})") from None

    @model_validator(mode="after")
    def _plausible(self) -> LabValue:
        """A value within the analyte's plausible range (:mod:`metsor.clinical.plausibility`)."""
        if self.analyte:
            try:
                plausibility.check_lab(self.analyte, self.value, self.unit, field="value")
            except InputError as exc:
                raise ValueError(f"{exc.message} ({self.analyte})") from None
        return self

    def in_unit(self, target: str) -> float:
        """The value converted to ``target`` by :func:`metsor.clinical.units.convert`.

        Parameters
        ----------
        target
            A unit accepted for this analyte.

        Returns
        -------
        float
            The value in ``target``.
        """
        if self.unit == target:
            return self.value
        return float(units.convert(self.analyte, self.value, self.unit, target))

    def in_canonical_unit(self) -> float:
        """The value in the unit of the registry's threshold (:data:`CANONICAL_UNITS`).

        Returns
        -------
        float
            The converted value.
        """
        return self.in_unit(CANONICAL_UNITS[self.analyte])


def _unit_field(analyte: str, *, default: str | None = None) -> Any:
    """The ``unit`` field of one analyte, its accepted units listed in the JSON Schema."""
    extra: dict[str, Any] = {"enum": list(ACCEPTED_UNITS[analyte])}
    if default is None:
        return Field(description="Unit of the value.", json_schema_extra=extra)
    return Field(default=default, description="Unit of the value.", json_schema_extra=extra)


class EnzymeValue(LabValue):
    """An enzyme activity with the laboratory's upper limit of normal (ULN), both in U/L."""

    uln: float | None = Field(
        default=None, gt=0, description="Upper limit of normal of the laboratory, U/L."
    )

    @model_validator(mode="after")
    def _plausible_uln(self) -> EnzymeValue:
        """An upper limit of normal that is itself a plausible value of the enzyme."""
        if self.uln is not None and self.analyte:
            try:
                plausibility.check_lab(self.analyte, self.uln, self.unit, field="uln")
            except InputError as exc:
                raise ValueError(f"{exc.message} ({self.analyte})") from None
        return self

    @property
    def times_uln(self) -> float | None:
        """The value as a multiple of the ULN, or None when the ULN is not recorded."""
        return None if self.uln is None else self.in_canonical_unit() / self.uln


class HemoglobinValue(LabValue):
    """Hemoglobin."""

    analyte: ClassVar[str] = "hemoglobin"
    unit: str = _unit_field("hemoglobin")


class AncValue(LabValue):
    """Absolute neutrophil count."""

    analyte: ClassVar[str] = "anc"
    unit: str = _unit_field("anc")


class PlateletsValue(LabValue):
    """Platelet count."""

    analyte: ClassVar[str] = "platelets"
    unit: str = _unit_field("platelets")


class TotalBilirubinValue(LabValue):
    """Total bilirubin."""

    analyte: ClassVar[str] = "total_bilirubin"
    unit: str = _unit_field("total_bilirubin")


class AlbuminValue(LabValue):
    """Serum albumin."""

    analyte: ClassVar[str] = "albumin"
    unit: str = _unit_field("albumin")


class InrValue(LabValue):
    """Prothrombin time, international normalized ratio (no unit)."""

    analyte: ClassVar[str] = "inr"
    unit: str = _unit_field("inr", default="")


class ProthrombinActivityValue(LabValue):
    """Prothrombin activity, % of normal."""

    analyte: ClassVar[str] = "prothrombin_activity"
    unit: str = _unit_field("prothrombin_activity")


class AstValue(EnzymeValue):
    """Aspartate aminotransferase (SGOT)."""

    analyte: ClassVar[str] = "ast"
    unit: str = _unit_field("ast")


class AltValue(EnzymeValue):
    """Alanine aminotransferase (SGPT)."""

    analyte: ClassVar[str] = "alt"
    unit: str = _unit_field("alt")


class AlpValue(EnzymeValue):
    """Alkaline phosphatase."""

    analyte: ClassVar[str] = "alp"
    unit: str = _unit_field("alp")


class Labs(BaseModel):
    """Screening laboratory values, each with its unit."""

    model_config = _STRICT

    hemoglobin: HemoglobinValue | None = None
    anc: AncValue | None = Field(default=None, description="Absolute neutrophil count.")
    platelets: PlateletsValue | None = None
    total_bilirubin: TotalBilirubinValue | None = None
    albumin: AlbuminValue | None = None
    ast: AstValue | None = Field(default=None, description="AST (SGOT).")
    alt: AltValue | None = Field(default=None, description="ALT (SGPT).")
    alp: AlpValue | None = Field(default=None, description="Alkaline phosphatase.")
    inr: InrValue | None = Field(default=None, description="Prothrombin time INR.")
    prothrombin_activity: ProthrombinActivityValue | None = Field(
        default=None, description="Prothrombin activity, % of normal."
    )


class HccConfirmation(BaseModel):
    """How the diagnosis of hepatocellular carcinoma was confirmed."""

    model_config = _STRICT

    histopathology: bool | None = None
    typical_imaging_techniques: int | None = Field(
        default=None,
        ge=0,
        description=(
            "Number of imaging techniques (US, MRI, CT, angiography) showing a lesion with "
            "typical arterial hypervascularization."
        ),
    )


class Tumour(BaseModel):
    """Tumour burden at screening, as BCLC staging needs it."""

    model_config = _STRICT

    macrovascular_invasion: bool | None = None
    extrahepatic_spread: bool | None = None
    nodules: int | None = Field(default=None, ge=1, description="Number of liver nodules.")
    largest_nodule_cm: float | None = Field(
        default=None, gt=0, description="Longest diameter of the largest nodule, cm."
    )
    afp_ng_ml: float | None = Field(
        default=None, ge=0, le=10_000_000, description="Serum alpha-fetoprotein, ng/mL."
    )

    @field_validator("largest_nodule_cm")
    @classmethod
    def _plausible_size(cls, size: float | None) -> float | None:
        if size is not None:
            try:
                plausibility.check_tumour_measure("largest_nodule_cm", size)
            except InputError as exc:
                raise ValueError(exc.message) from None
        return size


class Liver(BaseModel):
    """Clinical components of liver function (Child-Pugh)."""

    model_config = _STRICT

    ascites: Literal["none", "mild", "moderate", "severe"] | None = None
    encephalopathy_grade: int | None = Field(
        default=None, ge=0, le=4, description="Hepatic encephalopathy grade (West Haven 0-4)."
    )


class History(BaseModel):
    """Medical history and conditions named by the exclusion criteria."""

    model_config = _STRICT

    severe_cardiovascular_disease: bool | None = None
    uncontrolled_hypertension: bool | None = None
    hiv: bool | None = Field(default=None, description="History of HIV infection.")
    active_infection_grade: int | None = Field(
        default=None, ge=0, le=5, description="Grade of active infection, NCI-CTCAE v3.0 (0-5)."
    )
    systemic_chemo_within_6_months: bool | None = None
    gi_bleeding_history: bool | None = None
    gi_bleeding_days_ago: int | None = Field(
        default=None,
        ge=0,
        le=36_500,
        description="Days from the most recent gastrointestinal bleeding to screening.",
    )
    seizures_requiring_drugs: bool | None = None
    allograft_transplant: bool | None = None
    bleeding_signs: bool | None = Field(
        default=None,
        description="Signs or medical history of bleeding (the investigator's attestation).",
    )
    bleeding_days_ago: int | None = Field(
        default=None,
        ge=0,
        le=36_500,
        description="Days from the most recent bleeding (sign or event) to screening.",
    )
    dialysis: bool | None = None
    uncontrollable_ascites: bool | None = None
    prior_systemic_therapy: bool | None = Field(
        default=None,
        description=(
            "Any prior systemic therapy for HCC (chemotherapy, targeted or immune therapy); "
            "METSOR is first-line."
        ),
    )
    nyha_class: int | None = Field(
        default=None, ge=1, le=4, description="Heart failure class, NYHA I-IV (1 when none)."
    )
    aetiology: Literal["HBV", "HCV", "alcohol", "NASH", "other"] | None = Field(
        default=None, description="Main cause of the underlying liver disease."
    )


class ScreeningRecord(BaseModel):
    """Everything the eligibility rules of NCT02672488 read. A missing field is unknown."""

    model_config = _STRICT

    age_years: int | None = Field(default=None, ge=0, le=130, description="Age, completed years.")
    sex: Literal["female", "male"] | None = None
    race: Literal["asian", "black", "white", "other"] | None = None
    pregnant: bool | None = None
    consent_signed: bool | None = None
    hcc_confirmation: HccConfirmation | None = None
    metastatic_liver_cancer: bool | None = None
    ecog: int | None = Field(default=None, ge=0, le=5, description="ECOG performance status.")
    tumour: Tumour | None = None
    liver: Liver | None = None
    labs: Labs | None = None
    history: History | None = None
    region: Literal["europe", "north_america", "asia_pacific", "australasia", "other"] | None = (
        Field(default=None, description="Geographic region of the recruiting site.")
    )
    attested: list[str] | None = Field(
        default=None,
        description="Ids of the checklist criteria (criteria without a rule) the investigator "
        "attests.",
    )


def parse_record(data: Mapping[str, Any]) -> ScreeningRecord:
    """Validate a screening record given as a mapping (parsed JSON).

    Parameters
    ----------
    data
        The record; nested objects as mappings, laboratory values as
        ``{"value": number, "unit": str}``.

    Returns
    -------
    ScreeningRecord
        The validated record.

    Raises
    ------
    InputError
        If a field is unknown, of the wrong type, out of range, or has a unit that is not
        accepted. The error's ``field`` is the dotted path of the first fault
        (``labs.hemoglobin.unit``); the message lists any others.
    """
    if not isinstance(data, Mapping):
        raise InputError(f"a screening record must be an object, got {type(data).__name__}")
    try:
        return ScreeningRecord.model_validate(dict(data))
    except ValidationError as exc:
        raise input_error(exc) from None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a screening record.

    Returns
    -------
    dict
        JSON Schema (draft 2020-12) of :class:`ScreeningRecord`.
    """
    schema = ScreeningRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
