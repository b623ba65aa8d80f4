"""``metsor record …``: one casebook record of a subject per command.

``ae`` and ``tumour`` also read a JSON object with ``--file``; its keys are the record's
fields (``lesions``, ``relatedness``, ``action_taken``, …; an unknown key is refused, naming
it), and an option given on the command line wins over the file. ``visit`` reads with
``--file`` what was collected at the visit (``labs``, ``vital_signs``, ``adverse_events``)
and saves the visit's page in one call. An option given twice for
one drug (``--related DRUG=definite --related DRUG=not_related``) is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from metsor.cli._common import (
    DbOption,
    JsonOption,
    UserOption,
    abort_on_user_error,
    option_names,
    read_json_object,
)
from metsor.cli.casebook._entry import run_entry
from metsor.errors import InputError

__all__ = ["record_app"]

SubjectArg = Annotated[str, typer.Argument(help="Subject identifier, e.g. TJ-001.")]
FileOption = Annotated[
    Path | None, typer.Option("--file", help="JSON object with the record's fields.")
]

record_app = typer.Typer(
    help="Record a subject's visits, dosing, labs, events.", no_args_is_help=True
)


_AE_FIELDS = (
    "term",
    "grade",
    "onset_date",
    "serious",
    "outcome",
    "resolution_date",
    "relatedness",
    "action_taken",
    "ctcae_version",
)
_TUMOUR_FIELDS = ("assessed_on", "method", "non_target_status", "new_lesion", "lesions")
_PAGE_PARTS = ("labs", "vital_signs", "adverse_events")


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in values or []:
        drug, sep, value = item.partition("=")
        if not sep or not drug.strip() or not value.strip():
            raise InputError(f"{option} takes DRUG=VALUE, got {item!r}", field=option)
        if drug.strip() in result:
            raise InputError(
                f"{option} is given twice for {drug.strip()} ({result[drug.strip()]!r} and "
                f"{value.strip()!r}); give it once per drug",
                field=option,
            )
        result[drug.strip()] = value.strip()
    return result


def _merged(path: Path | None, options: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    """Fields from ``--file``, overridden by the options given on the command line."""
    data = {} if path is None else read_json_object(path, "--file")
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InputError(
            f"--file has unknown key(s) {', '.join(map(repr, unknown))}; known: {', '.join(known)}",
            field=unknown[0],
        )
    data.update({k: v for k, v in options.items() if v not in (None, {}, [])})
    return data


def _required(fields: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    for name in names:
        if fields.get(name) is None:
            option = "--" + {"onset_date": "onset", "assessed_on": "date"}.get(name, name)
            raise InputError(f"{option} is required (or {name} in --file)", field=option)
    return fields


def _window(in_window: bool | None) -> str:
    return {True: "in window", False: "out of window", None: "no window"}[in_window]


@record_app.command("visit")
def record_visit_cmd(
    subject_id: SubjectArg,
    visit_type: Annotated[
        str,
        typer.Option(
            "--type", help="baseline, treatment, tumour_assessment, follow_up, unscheduled."
        ),
    ],
    actual_date: Annotated[str, typer.Option("--date", help="Day of the visit, YYYY-MM-DD.")],
    number: Annotated[
        int | None, typer.Option("--number", help="Visit number (default: next).")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="JSON object with what was collected at the visit: labs (a list of analyte, "
            "value, unit, lln, uln), vital_signs (systolic_mmhg, diastolic_mmhg, …), "
            "adverse_events (a list of the fields of record ae); saved with the visit as one "
            "page.",
        ),
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a visit; its planned date and window come from the schedule."""
    from metsor.services.casebook import record_visit, record_visit_page

    if file is None:
        run_entry(
            db, user, as_json,
            lambda ctx: record_visit(
                ctx, subject_id=subject_id, visit_type=visit_type, actual_date=actual_date,
                number=number,
            ),
            _visit_line,
        )  # fmt: skip
        return
    with abort_on_user_error():
        parts = _merged(file, {}, _PAGE_PARTS)
    run_entry(
        db, user, as_json,
        lambda ctx: record_visit_page(
            ctx, subject_id=subject_id, visit_type=visit_type, actual_date=actual_date,
            number=number, **parts,
        ),
        _page_line,
    )  # fmt: skip


def _visit_line(v: Any) -> str:
    return (
        f"visit {v.id}: {v.subject_id} {v.visit_type} {v.number} on {v.actual_date} "
        f"(planned {v.planned_date or '-'}, {_window(v.in_window)})"
    )


def _page_line(page: Any) -> str:
    """The visit's line, and what was saved with it."""
    saved = [f"{len(page.labs)} laboratory value(s)"] if page.labs else []
    if page.vital_signs is not None:
        saved.append(f"vital signs (hypertension grade {page.vital_signs.hypertension_grade})")
    if page.adverse_events:
        saved.append(f"{len(page.adverse_events)} adverse event(s)")
    return _visit_line(page.visit) + (f", with {', '.join(saved)}" if saved else "")


@record_app.command("dose")
def record_dose_cmd(
    subject_id: SubjectArg,
    drug: Annotated[
        str, typer.Option("--drug", help="A study drug of the subject's arm (its protocol code).")
    ],
    event: Annotated[
        str,
        typer.Option("--event", help="start, reduce, escalate, interrupt, resume, discontinue."),
    ],
    event_date: Annotated[str, typer.Option("--date", help="Day it took effect, YYYY-MM-DD.")],
    level: Annotated[
        str | None, typer.Option("--level", help="One of the drug's dose levels in the protocol.")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (all events but start).")
    ] = None,
    egfr_override: Annotated[
        str | None,
        typer.Option(
            "--egfr-override",
            help="Start of a drug with renal limits only: why start although the eGFR lies "
            "where its label does not recommend starting (the protocol's limits).",
        ),
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a dosing event of one study drug (label dose levels are enforced)."""
    from metsor.services.casebook import record_dose

    run_entry(
        db, user, as_json,
        lambda ctx: record_dose(
            ctx, subject_id=subject_id, drug=drug, event=event, event_date=event_date,
            level=level, reason=reason, egfr_override=egfr_override,
        ),
        lambda d: f"dose event {d.id}: {d.subject_id} {d.drug} {d.event} on {d.event_date}"
        + (f" at {d.level}" if d.level else ""),
    )  # fmt: skip


@record_app.command("lab")
def record_lab_cmd(
    subject_id: SubjectArg,
    analyte: Annotated[str, typer.Option("--analyte", help="e.g. ast, alt, total_bilirubin, anc.")],
    value: Annotated[float, typer.Option("--value", help="The value, in --unit.")],
    unit: Annotated[str, typer.Option("--unit", help="e.g. U/L, umol/L, /mm3.")],
    collected_on: Annotated[str, typer.Option("--date", help="Day of sampling, YYYY-MM-DD.")],
    lln: Annotated[float | None, typer.Option("--lln", help="Lower limit of normal.")] = None,
    uln: Annotated[float | None, typer.Option("--uln", help="Upper limit of normal.")] = None,
    ctcae_version: Annotated[
        str, typer.Option("--ctcae", help="CTCAE version, 5.0 or 3.0.")
    ] = "5.0",
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a laboratory value; its CTCAE grade is computed on entry."""
    from metsor.services.casebook import record_lab

    run_entry(
        db, user, as_json,
        lambda ctx: record_lab(
            ctx, subject_id=subject_id, analyte=analyte, value=value, unit=unit,
            collected_on=collected_on, lln=lln, uln=uln, ctcae_version=ctcae_version,
        ),
        lambda r: f"lab {r.id}: {r.subject_id} {r.analyte} {r.value:g} {r.unit} on "
        f"{r.collected_on}"
        + (f" — {r.ctcae_term} grade {r.ctcae_grade} (CTCAE v{r.ctcae_version}, {r.ctcae_basis})"
           if r.ctcae_term else ""),
    )  # fmt: skip


@record_app.command("vitals")
@option_names(
    systolic_mmhg="--sbp",
    diastolic_mmhg="--dbp",
    heart_rate_bpm="--pulse",
    temperature_c="--temp",
    weight_kg="--weight",
)
def record_vitals_cmd(
    subject_id: SubjectArg,
    measured_on: Annotated[str, typer.Option("--date", help="Day of measurement, YYYY-MM-DD.")],
    systolic: Annotated[int, typer.Option("--sbp", help="Systolic blood pressure, mm Hg.")],
    diastolic: Annotated[int, typer.Option("--dbp", help="Diastolic blood pressure, mm Hg.")],
    heart_rate: Annotated[int | None, typer.Option("--pulse", help="Heart rate, /min.")] = None,
    temperature: Annotated[float | None, typer.Option("--temp", help="Temperature, °C.")] = None,
    weight: Annotated[float | None, typer.Option("--weight", help="Weight, kg.")] = None,
    ecog: Annotated[int | None, typer.Option("--ecog", help="ECOG performance status.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record vital signs; blood pressure is graded as CTCAE hypertension."""
    from metsor.services.casebook import record_vital_signs

    run_entry(
        db, user, as_json,
        lambda ctx: record_vital_signs(
            ctx, subject_id=subject_id, measured_on=measured_on, systolic_mmhg=systolic,
            diastolic_mmhg=diastolic, heart_rate_bpm=heart_rate, temperature_c=temperature,
            weight_kg=weight, ecog=ecog,
        ),
        lambda v: f"vital signs {v.id}: {v.subject_id} {v.systolic_mmhg}/{v.diastolic_mmhg} "
        f"mm Hg on {v.measured_on} (hypertension grade {v.hypertension_grade})",
    )  # fmt: skip


@record_app.command("ae")
@option_names(relatedness="--related", action_taken="--action")
def record_ae_cmd(
    subject_id: SubjectArg,
    term: Annotated[str | None, typer.Option("--term", help="Adverse event term.")] = None,
    grade: Annotated[int | None, typer.Option("--grade", help="CTCAE grade 1–5.")] = None,
    onset_date: Annotated[str | None, typer.Option("--onset", help="Onset, YYYY-MM-DD.")] = None,
    related: Annotated[
        list[str] | None,
        typer.Option(
            "--related", help="DRUG=not_related|unlikely|possible|probable|definite, per drug."
        ),
    ] = None,
    action: Annotated[
        list[str] | None,
        typer.Option(
            "--action",
            help="DRUG=dose_not_changed|dose_reduced|drug_interrupted|drug_withdrawn|not_applicable.",
        ),
    ] = None,
    serious: Annotated[
        bool | None, typer.Option("--serious/--not-serious", help="Serious adverse event.")
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option(
            "--outcome",
            help="recovered, recovering, not_recovered, recovered_with_sequelae, fatal, unknown.",
        ),
    ] = None,
    resolution_date: Annotated[
        str | None, typer.Option("--resolved", help="Resolution, YYYY-MM-DD.")
    ] = None,
    file: FileOption = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record an adverse event with relatedness and action per study drug."""
    from metsor.services.casebook import record_adverse_event

    with abort_on_user_error():
        fields = _merged(file, {
            "term": term, "grade": grade, "onset_date": onset_date, "serious": serious,
            "outcome": outcome, "resolution_date": resolution_date,
            "relatedness": _pairs(related, "--related"), "action_taken": _pairs(action, "--action"),
        }, _AE_FIELDS)  # fmt: skip
    fields.setdefault("relatedness", {})
    fields.setdefault("action_taken", {})
    run_entry(
        db, user, as_json,
        lambda ctx: record_adverse_event(
            ctx, subject_id=subject_id, **_required(fields, ("term", "grade", "onset_date"))
        ),
        lambda e: f"adverse event {e.id}: {e.subject_id} {e.term} grade {e.grade}"
        f"{' serious' if e.serious else ''}, onset {e.onset_date}, {e.outcome}",
    )  # fmt: skip


@record_app.command("tumour")
@option_names(non_target_status="--non-target")
def record_tumour_cmd(
    subject_id: SubjectArg,
    file: FileOption = None,
    assessed_on: Annotated[
        str | None, typer.Option("--date", help="Imaging date, YYYY-MM-DD.")
    ] = None,
    method: Annotated[str | None, typer.Option("--method", help="CT or MRI.")] = None,
    non_target: Annotated[
        str | None,
        typer.Option(
            "--non-target", help="absent, present, unequivocal_progression, not_evaluated."
        ),
    ] = None,
    new_lesion: Annotated[
        bool | None, typer.Option("--new-lesion/--no-new-lesion", help="A new lesion was seen.")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a tumour assessment (lesions in --file); RECIST 1.1 and mRECIST on entry."""
    from metsor.services.casebook import record_tumour_assessment

    with abort_on_user_error():
        fields = _merged(file, {
            "assessed_on": assessed_on, "method": method, "non_target_status": non_target,
            "new_lesion": new_lesion,
        }, _TUMOUR_FIELDS)  # fmt: skip
    fields.setdefault("lesions", [])
    run_entry(
        db, user, as_json,
        lambda ctx: record_tumour_assessment(
            ctx, subject_id=subject_id, **_required(fields, ("assessed_on",))
        ),
        lambda a: f"tumour assessment {a.id}: {a.subject_id} on {a.assessed_on} "
        + ("baseline" if a.is_baseline else
           f"RECIST 1.1 {a.recist_response}, mRECIST {a.mrecist_response}"),
    )  # fmt: skip


@record_app.command("death")
@option_names(cause_detail="--detail")
def record_death_cmd(
    subject_id: SubjectArg,
    death_date: Annotated[str, typer.Option("--date", help="Day of death, YYYY-MM-DD.")],
    cause: Annotated[
        str, typer.Option("--cause", help="disease_progression, adverse_event, other, unknown.")
    ],
    detail: Annotated[str | None, typer.Option("--detail", help="Cause in words.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a subject's death."""
    from metsor.services.casebook import record_death

    run_entry(
        db, user, as_json,
        lambda ctx: record_death(
            ctx, subject_id=subject_id, death_date=death_date, cause=cause, cause_detail=detail
        ),
        lambda d: f"death {d.id}: {d.subject_id} on {d.death_date} ({d.cause})",
    )  # fmt: skip


@record_app.command("withdrawal")
@option_names(last_contact_date="--last-contact")
def record_withdrawal_cmd(
    subject_id: SubjectArg,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="consent_withdrawn, lost_to_follow_up, investigator_decision, "
            "sponsor_decision, other.",
        ),
    ],
    withdrawn_on: Annotated[str, typer.Option("--date", help="Day of withdrawal, YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, in words.")],
    last_contact: Annotated[
        str | None, typer.Option("--last-contact", help="Last day known alive.")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record the end of a subject's follow-up."""
    from metsor.services.casebook import record_withdrawal

    run_entry(
        db, user, as_json,
        lambda ctx: record_withdrawal(
            ctx, subject_id=subject_id, kind=kind, withdrawn_on=withdrawn_on, reason=reason,
            last_contact_date=last_contact,
        ),
        lambda w: f"withdrawal {w.id}: {w.subject_id} {w.kind} on {w.withdrawn_on}",
    )  # fmt: skip
