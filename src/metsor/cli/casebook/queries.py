"""``metsor queries raise|answer|close|list``: data queries on recorded values."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from metsor.cli._common import DbOption, JsonOption, UserOption, abort_on_user_error, acting, emit
from metsor.cli.casebook._entry import record_fields, run_entry

__all__ = ["queries_app"]

queries_app = typer.Typer(help="Data queries on recorded values.", no_args_is_help=True)


def _describe_query(q: Any) -> str:
    return (
        f"query {q.id} [{q.status}] {q.subject_id} {q.table_name} {q.record_id} {q.field}: "
        f"{q.question}"
    )


@queries_app.command("raise")
def queries_raise(
    table: Annotated[str, typer.Argument(help="Casebook table, e.g. lab_results.")],
    record_id: Annotated[int, typer.Argument(help="Record id.")],
    field: Annotated[str, typer.Argument(help="Field queried.")],
    question: Annotated[str, typer.Option("--question", help="What is asked.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Raise a query on one field of one record."""
    from metsor.services.casebook import raise_query

    run_entry(
        db, user, as_json,
        lambda ctx: raise_query(
            ctx, table=table, record_id=record_id, field=field, question=question
        ),
        _describe_query,
    )  # fmt: skip


@queries_app.command("answer")
def queries_answer(
    query_id: Annotated[int, typer.Argument(help="Query id.")],
    answer: Annotated[str, typer.Option("--answer", help="The answer.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer an open query."""
    from metsor.services.casebook import answer_query

    run_entry(
        db,
        user,
        as_json,
        lambda ctx: answer_query(ctx, query_id=query_id, answer=answer),
        _describe_query,
    )


@queries_app.command("close")
def queries_close(
    query_id: Annotated[int, typer.Argument(help="Query id.")],
    resolution: Annotated[str, typer.Option("--resolution", help="How it was resolved.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close a query."""
    from metsor.services.casebook import close_query

    run_entry(
        db,
        user,
        as_json,
        lambda ctx: close_query(ctx, query_id=query_id, resolution=resolution),
        _describe_query,
    )


@queries_app.command("list")
def queries_list(
    status: Annotated[
        str | None, typer.Option("--status", help="open, answered or closed.")
    ] = None,
    subject_id: Annotated[str | None, typer.Option("--subject", help="One subject only.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the queries you may see."""
    from metsor.services.casebook import list_queries

    with abort_on_user_error(), acting(db, user, readonly=True) as ctx:
        found = list_queries(ctx, status=status, subject_id=subject_id)
        payload = [record_fields(q) for q in found]
        lines = [_describe_query(q) for q in found]
    emit(as_json, payload, "\n".join(lines) if lines else "no queries")
