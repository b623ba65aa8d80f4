"""``metsor protocol``: show the trial's protocol, import a registry record, review either.

A protocol is named by an NCT id (a built-in protocol) or by a JSON file: a ClinicalTrials.gov
API v2 study record, or a protocol written by ``metsor protocol import --out``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metsor.cli._common import read_json_file, read_text_file
from metsor.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from rich.console import Console

    from metsor.protocol.model import Contact, Protocol
    from metsor.protocol.review import Finding

__all__ = ["app", "import_record", "load_protocol", "review", "show"]

app = typer.Typer(
    help="The trial's protocol: show it, import a registry record, review it.",
    no_args_is_help=True,
)

_DEFAULT_ID = "NCT02672488"
_SOURCE_HELP = "An NCT id of a built-in protocol, or a JSON file (registry record or protocol)."
_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def load_protocol(path_or_id: str) -> Protocol:
    """A protocol from an NCT id (built-in) or a JSON file.

    Parameters
    ----------
    path_or_id
        ``NCT02672488``, or the path of a ClinicalTrials.gov API v2 study record or of a
        protocol file written by ``metsor protocol import --out``.

    Returns
    -------
    Protocol
        The protocol; a registry record is imported as registered, without corrections.

    Raises
    ------
    NotFoundError
        If no such file or built-in protocol exists.
    InputError
        If the file is not valid JSON or not a valid record; the message names the field.
    """
    from metsor.protocol import builtin, from_ctgov_v2

    path = Path(path_or_id)
    if not path.is_file() and path.suffix.lower() != ".json" and os.sep not in path_or_id:
        return builtin(path_or_id)
    data = read_json_file(path, "FILE")
    if isinstance(data, dict) and "protocolSection" in data:
        return from_ctgov_v2(data)
    return _protocol_from_dump(data, path)


def _protocol_from_dump(data: Any, path: Path) -> Protocol:
    from pydantic import ValidationError

    from metsor.protocol import Protocol

    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputError(
            f"{path} is neither a registry record (no 'protocolSection') nor a valid protocol: "
            f"{first['msg']}",
            field=where,
        ) from None


def _with_builtin_assumptions(protocol: Protocol) -> tuple[Protocol, str | None]:
    """Attach the built-in protocol's design assumptions to an imported record lacking them."""
    from metsor.protocol import builtin, known_protocols

    if protocol.assumptions is not None or protocol.nct_id not in known_protocols():
        return protocol, None
    assumptions = builtin(protocol.nct_id).assumptions
    note = f"design assumptions taken from the built-in {protocol.nct_id} (not in the registry)"
    return protocol.model_copy(update={"assumptions": assumptions}), note


@app.command("show")
def show(
    source: Annotated[str, typer.Argument(help=_SOURCE_HELP)] = _DEFAULT_ID,
    as_json: Annotated[bool, typer.Option("--json", help="Print the protocol as JSON.")] = False,
) -> None:
    """Show a protocol: identity, design, arms and doses, outcomes, criteria, sites."""
    protocol = load_protocol(source)
    if as_json:
        typer.echo(protocol.model_dump_json(indent=2))
        return
    _print_protocol(_console(), protocol)


@app.command("import")
def import_record(
    file: Annotated[Path, typer.Argument(help="A ClinicalTrials.gov API v2 study record.")],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help="A mapping file (YAML or JSON) of criteria to rule ids with parameters, and "
            "the trial sections the registry lacks; unmapped criteria become checklist items.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the protocol here instead of printing it."),
    ] = None,
) -> None:
    """Import a ClinicalTrials.gov API v2 study record (JSON) as a protocol."""
    from metsor.protocol import from_ctgov_v2

    data = read_json_file(file, "FILE")
    if not isinstance(data, dict) or "protocolSection" not in data:
        raise InputError(f"{file} has no 'protocolSection': not a v2 study record", field="FILE")
    protocol = from_ctgov_v2(data)
    if mapping is not None:
        protocol = _mapped(protocol, mapping)
    text = protocol.model_dump_json(indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    _write_atomically(out, text)
    typer.echo(f"wrote {out}")


def _mapped(protocol: Protocol, path: Path) -> Protocol:
    """The protocol completed by a mapping file, its rules checked against the rule library."""
    from metsor.eligibility.cutoffs import LAB_RULES
    from metsor.eligibility.parameters import RULE_PARAMETERS, check_criteria
    from metsor.eligibility.rules import RULES
    from metsor.protocol.mapping import apply_mapping

    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            content = yaml.safe_load(read_text_file(path, "--mapping"))
        except yaml.YAMLError as exc:
            raise InputError(f"{path} is not valid YAML: {exc}", field="--mapping") from None
    else:
        content = read_json_file(path, "--mapping")
    rules = {rule: tuple(RULE_PARAMETERS.get(rule, {})) for rule in RULES}
    mapped = apply_mapping(protocol, content, rules=rules, lab_rules=LAB_RULES, source=str(path))
    check_criteria(mapped)
    return mapped


def _write_atomically(path: Path, text: str) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise NotFoundError(f"no such folder: {folder}", field="--out")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@app.command("review")
def review(
    source: Annotated[str, typer.Argument(help=_SOURCE_HELP)] = _DEFAULT_ID,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Review a protocol: implausible doses, contradictory criteria, label conflicts, power."""
    from metsor.design.protocol_power import design_power, registered_power
    from metsor.protocol import review_protocol

    protocol, note = _with_builtin_assumptions(load_protocol(source))
    findings = review_protocol(
        protocol,
        power_of=design_power(protocol),
        registered_power_of=registered_power(protocol),
    )
    if note:
        typer.echo(f"note: {note}", err=True)
    if as_json:
        typer.echo(json.dumps([f.model_dump() for f in findings], indent=2, ensure_ascii=False))
        return
    _print_findings(_console(), protocol, findings)


def _console() -> Console:
    from rich.console import Console

    return Console(file=sys.stdout, width=max(120, _terminal_width()))


def _terminal_width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 0


def _print_findings(console: Console, protocol: Protocol, findings: list[Finding]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        title=f"Review of {protocol.nct_id} ({len(findings)} findings)",
        show_lines=True,
        expand=True,
    )
    table.add_column("severity", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("field", overflow="fold", ratio=2)
    table.add_column("finding", overflow="fold", ratio=5)
    for f in findings:
        style = _SEVERITY_STYLE[f.severity]
        table.add_row(
            f"[{style}]{f.severity}[/]",
            escape(f.code),
            escape(f.field),
            f"{escape(f.message)}\n[dim]source: {escape(f.source)}[/]",
        )
    console.print(table)
    counts = {s: sum(f.severity == s for f in findings) for s in _SEVERITY_STYLE}
    console.print(", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items()))


_WORDS = {
    "NONE": "None (open label)",
    "SINGLE": "Single masked",
    "DOUBLE": "Double masked",
    "TRIPLE": "Triple masked",
    "QUADRUPLE": "Quadruple masked",
    "PARALLEL": "Parallel assignment",
    "NA": "Not applicable",
    "EARLY_PHASE1": "Early phase 1",
}


def _words(code: str | None) -> str:
    """A registry code in words: ``ACTIVE_COMPARATOR`` → ``Active comparator``."""
    if not code:
        return "-"
    if code in _WORDS:
        return _WORDS[code]
    return code.replace("_", " ").replace("PHASE", "PHASE ").capitalize().strip()


def _status(overall: str | None, last_known: str | None) -> str:
    """The record's status, with the last known one only when the record gives it."""
    if last_known is None:
        return _words(overall)
    return f"{_words(overall)} (last known: {_words(last_known)})"


def _print_protocol(console: Console, protocol: Protocol) -> None:
    from rich.markup import escape as e
    from rich.table import Table

    from metsor.cli._protocol_trial import criterion_rule, print_drugs_and_strata
    from metsor.protocol.dosing import format_dose

    p, d, s = protocol, protocol.design, protocol.status
    name = f"{p.nct_id} ({p.acronym})" if p.acronym else p.nct_id
    console.print(f"[bold]{e(name)}: {e(p.brief_title)}[/]")
    if p.official_title:
        console.print(e(p.official_title))
    dates = {
        "start": s.start,
        "primary completion": s.primary_completion,
        "completion": s.completion,
        "first posted": s.first_posted,
        "last update": s.last_update_posted,
    }
    facts = Table.grid(padding=(0, 2))
    for label, value in (
        ("sponsor", p.sponsor.lead),
        ("status", _status(s.overall_status, s.last_known_status)),
        ("dates", "; ".join(f"{k} {v.date}" for k, v in dates.items() if v is not None)),
        ("phase", ", ".join(_words(x) for x in p.phases) or "-"),
        ("design", ", ".join(_words(x) for x in (d.allocation, d.intervention_model, d.masking))),
        ("enrollment", f"{d.target_enrollment} ({_words(d.enrollment_type)})"),
        ("allocation", ":".join(map(str, d.allocation_ratio)) if d.allocation_ratio else "-"),
        ("conditions", ", ".join(p.conditions) or "-"),
    ):
        facts.add_row(f"[bold]{label}[/]", e(value))
    console.print(facts)

    arms = Table(title="Arms", expand=True, show_lines=True)
    for column in ("arm (code)", "type", "interventions and doses"):
        arms.add_column(column, overflow="fold")
    for arm in p.arms:
        doses = []
        for n in arm.intervention_names:
            i = p.intervention(n)
            brands = f" ({', '.join(i.other_names)})" if i.other_names else ""
            dose = format_dose(i.dose) if i.dose else "dose not stated"
            doses.append(f"{i.name}{brands}: {dose}")
        label = f"{arm.label}\n({arm.code})" if arm.code else arm.label
        arms.add_row(e(label), _words(arm.type), e("\n".join(doses)))
    console.print(arms)
    print_drugs_and_strata(console, p)

    outcomes = Table(title="Outcomes", expand=True)
    for column in ("type", "measure", "time frame"):
        outcomes.add_column(column, overflow="fold")
    for o in p.outcomes:
        outcomes.add_row(o.type, e(o.measure), e(o.time_frame or "-"))
    console.print(outcomes)

    elig = p.eligibility
    age = "-" if elig.minimum_age_years is None else f"{elig.minimum_age_years:g} years and older"
    console.print(
        f"[bold]Eligibility[/]: age {age}; sexes {_words(elig.sexes)}; "
        f"healthy volunteers {'yes' if elig.healthy_volunteers else 'no'}"
    )
    criteria = Table(expand=True)
    criteria.add_column("kind", no_wrap=True)
    criteria.add_column("id", no_wrap=True)
    criteria.add_column("criterion", overflow="fold", ratio=1)
    criteria.add_column("rule", no_wrap=True)
    for c in p.criteria:
        criteria.add_row(c.kind, c.id, e(c.text), criterion_rule(c))
    console.print(criteria)
    _print_people(console, p)
    _print_corrections_and_assumptions(console, p)


def _print_people(console: Console, p: Protocol) -> None:
    from rich.markup import escape as e

    def who(c: Contact) -> str:
        phone = f"{c.phone} ext {c.phone_ext}" if c.phone and c.phone_ext else c.phone or ""
        return e(", ".join(x for x in (c.name, phone, c.email) if x))

    if p.principal_investigator:
        pi = p.principal_investigator
        console.print(f"[bold]Principal investigator[/]: {e(pi.name)}, {e(pi.affiliation or '-')}")
    for c in p.contacts:
        console.print(f"[bold]Contact[/]: {who(c)}")
    for site in p.sites:
        place = ", ".join(x for x in (site.city, site.zip, site.country) if x)
        console.print(f"[bold]Site[/]: {e(site.facility)}, {e(place)} ({_words(site.status)})")
        for c in site.contacts:
            console.print(f"  {who(c)}")
    if p.ipd_sharing:
        console.print(f"[bold]IPD sharing[/]: {_words(p.ipd_sharing.plan)}")


def _print_corrections_and_assumptions(console: Console, p: Protocol) -> None:
    from rich.markup import escape as e
    from rich.table import Table

    if p.corrections:
        table = Table(title="Corrections to the registered record", expand=True, show_lines=True)
        for column in ("field", "registered", "corrected", "reason and source"):
            table.add_column(column, overflow="fold")
        for c in p.corrections:
            table.add_row(
                e(c.field), e(c.registered), e(c.corrected), f"{e(c.reason)}\n[dim]{e(c.source)}[/]"
            )
        console.print(table)
    if p.assumptions:
        table = Table(title="Design assumptions (not in the registry)", expand=True)
        for column in ("assumption", "value", "source"):
            table.add_column(column, overflow="fold")
        values = p.assumptions.model_dump(exclude={"sources"})
        for key, value in values.items():
            table.add_row(key, f"{value:g}", e(p.assumptions.sources.get(key, "-")))
        console.print(table)
