"""The ``mastermind`` command: serve, migrate, create-admin, seed-demo, import, export."""

from __future__ import annotations

import asyncio
import secrets
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlmodel import col

from api.config import Settings, get_settings

if TYPE_CHECKING:  # imported where used, so the command starts fast
    from alembic.config import Config

    from api.demo import DemoResult
    from api.schemas.auth import RegisterRequest
    from api.services.imports import ImportReport

app = typer.Typer(help="Sales Mastermind: team selling for sales reps.", no_args_is_help=True)
console = Console(stderr=True)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:  # a bad SECRET_KEY or URL: say so, no traceback
        console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def migrate() -> None:
    """Bring the database at DATABASE_URL up to the newest schema (alembic upgrade head)."""
    from alembic import command

    settings = _settings()
    command.upgrade(_alembic_config(settings.database_url), "head")
    console.print("[green]Database schema is up to date.[/green]")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    skip_migrate: Annotated[bool, typer.Option(help="Do not migrate before serving")] = False,
) -> None:
    """Migrate, then serve the API (and the built SPA when present)."""
    import uvicorn

    settings = _settings()
    if not skip_migrate:
        migrate()
    console.print(f"Serving on http://{host}:{port}  (API docs at /docs)")
    if settings.webhook_worker_in_process:
        # The lifespan of each API process runs one (RUN_WEBHOOK_WORKER=false turns it off
        # where `mastermind worker` runs on its own).
        console.print("Delivering outbound webhooks in this process.")
    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,  # our JSON logging (api.observability) stays in charge
        access_log=False,
        # The app reads X-Forwarded-For itself, only when TRUST_FORWARDED_FOR says so
        # (api/deps.py: client_address); uvicorn's own rewrite would trust 127.0.0.1.
        proxy_headers=False,
        timeout_graceful_shutdown=20,
    )


@app.command()
def worker() -> None:
    """Deliver outbound webhooks, write the notices that come with time (reminders, overdue
    action items, weekly summaries) and, with SMTP_URL, send mail, until stopped: SIGTERM
    or Ctrl-C finishes the posts in flight first; a second signal stops at once (unsent
    rows go back to the queue)."""
    from api.services.webhook_worker import run_worker_process

    settings = _settings()
    console.print("Delivering outbound webhooks (Ctrl-C to stop).")
    asyncio.run(run_worker_process(settings))
    console.print("Webhook worker stopped.")


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="The admin's email (login)")],
    full_name: Annotated[str, typer.Option(prompt=True, help="The admin's full name")],
    organization: Annotated[str, typer.Option(prompt=True, help="Organization name (created)")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="MASTERMIND_ADMIN_PASSWORD",
        ),
    ],
) -> None:
    """Create an organization and its first admin."""
    from pydantic import ValidationError

    from api.schemas.auth import RegisterRequest

    try:
        data = RegisterRequest(
            organization_name=organization, full_name=full_name, email=email, password=password
        )
    except ValidationError as exc:
        for error in exc.errors():
            console.print(f"[red]{'.'.join(map(str, error['loc']))}: {error['msg']}[/red]")
        raise typer.Exit(2) from None
    asyncio.run(_create_admin(_settings(), data))


async def _create_admin(settings: Settings, data: RegisterRequest) -> None:
    from api.db import create_engine, create_sessionmaker
    from api.errors import Conflict
    from api.security import Security
    from api.services import auth as auth_service

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            try:
                user, organization, _tokens = await auth_service.register(
                    session=session, security=Security(settings), settings=settings, data=data
                )
            except Conflict as exc:
                console.print(f"[red]{exc.detail}[/red]")
                raise typer.Exit(1) from None
    finally:
        await engine.dispose()
    console.print(f"[green]Created {user.email} as admin of {organization.name}.[/green]")


class DemoLocale(StrEnum):
    """The demo companies there are (api/demo.py: one text table each)."""

    en = "en"
    ja = "ja"


@app.command("seed-demo")
def seed_demo(
    password: Annotated[
        str | None,
        typer.Option(
            envvar="MASTERMIND_DEMO_PASSWORD",
            help="Password for every demo user (default: random, printed)",
        ),
    ] = None,
    scale: Annotated[
        int,
        typer.Option(
            min=1,
            help="N x the demo data (N teams; extra people are first.last.N@...), for benchmarks",
        ),
    ] = 1,
    locale: Annotated[
        DemoLocale,
        typer.Option(
            case_sensitive=False,
            help="en: an English company (Europe/Berlin, EUR); ja: a Japanese one "
            "(Asia/Tokyo, JPY, fiscal year from April, names with kana readings)",
        ),
    ] = DemoLocale.en,
) -> None:
    """Create a demo organization with people, clients, projects and sessions (once).

    Each locale's demo is its own organization with its own email domain: both may be
    seeded into one database, and each is created once (a second run prints the existing
    sign-ins). --scale works for either locale."""
    settings = _settings()
    password = password or secrets.token_urlsafe(12)
    result = asyncio.run(_seed_demo(settings, password, scale, locale))
    table = Table(title="Demo sign-ins" + ("" if result.created else " (already seeded)"))
    for column in ("email", "role", "seniority"):
        table.add_column(column)
    for email, role, seniority in result.logins:
        table.add_row(email, role, seniority)
    Console().print(table)
    if result.created:
        Console().print(f"Password for every demo user: [bold]{password}[/bold]")
    else:
        Console().print("The demo already existed; its passwords were left unchanged.")


async def _seed_demo(
    settings: Settings, password: str, scale: int = 1, locale: DemoLocale = DemoLocale.en
) -> DemoResult:
    from api.db import create_engine, create_sessionmaker
    from api.demo import seed_demo as seed
    from api.models import Locale
    from api.security import Security

    engine = create_engine(settings)
    steps = [
        "organization and people",
        "clients and contacts",
        "projects and panels",
        "sessions, ideas and votes",
        "time entries",
    ]
    if scale > 1:
        steps.append("scaled copies")
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("Seeding the demo", total=len(steps))

            def on_step(label: str) -> None:
                progress.update(task, description=f"Seeding: {label}", completed=steps.index(label))

            copies = progress.add_task(
                f"{scale - 1} more teams", total=scale - 1, visible=scale > 1
            )

            def on_copy(done: int) -> None:
                progress.update(copies, completed=done)

            result = await seed(
                create_sessionmaker(engine),
                Security(settings),
                password=password,
                on_step=on_step,
                scale=scale,
                on_copy=on_copy,
                locale=Locale(locale.value),
            )
            progress.update(task, completed=len(steps), description="Seeded the demo")
    finally:
        await engine.dispose()
    return result


@app.command("rebuild-ledger")
def rebuild_ledger(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only compare the rollups with the facts; change nothing (exit 1 on drift)",
        ),
    ] = False,
) -> None:
    """Recompute the ledger's rollups from the facts, then verify them against the facts.

    Needed after facts were written around the API (bulk loads) or after an organization's
    time zone changed; the API keeps the rollups in step by itself otherwise."""
    drift = asyncio.run(_rebuild_ledger(_settings(), check_only=check))
    if drift:
        for line in drift[:50]:
            console.print(f"[red]{line}[/red]")
        console.print(f"[red]{len(drift)} rollup rows differ from the facts.[/red]")
        raise typer.Exit(1)
    console.print(
        "[green]The rollups match the facts.[/green]"
        if check
        else "[green]Rebuilt; the rollups match the facts.[/green]"
    )


async def _rebuild_ledger(settings: Settings, *, check_only: bool) -> list[str]:
    from sqlalchemy import func, select, text

    from api.db import create_engine, create_sessionmaker
    from api.models import Organization, SessionParticipant, TimeEntry
    from api.services import rollup

    engine = create_engine(settings)
    drift: list[str] = []
    try:
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            organizations = (
                await session.execute(select(col(Organization.id), col(Organization.name)))
            ).all()
            facts = sum(
                [
                    await session.scalar(select(func.count()).select_from(SessionParticipant)) or 0,
                    await session.scalar(select(func.count()).select_from(TimeEntry)) or 0,
                ]
            )
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} facts"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            for org_id, name in organizations:
                # Attendance rows and time entries, plus contributions: an estimate is enough.
                task = progress.add_task(name, total=facts or None)

                def advance(read: int, task: TaskID = task) -> None:
                    progress.update(task, completed=read)

                async with sessionmaker() as session, session.begin():
                    if check_only:
                        lines = await rollup.verify_organization(session, org_id, advance)
                    else:
                        # Rebuilt from one pass over the facts, then read back and compared
                        # with that recomputation inside the same transaction.
                        expected = await rollup.refresh_organization(session, org_id, advance)
                        stored = await rollup.stored_rollups(session, org_id)
                        lines = rollup.differences(expected, stored)
                    drift += [f"{name}: {line}" for line in lines]
                progress.update(task, total=progress.tasks[task].completed)
        if not check_only and engine.dialect.name == "postgresql":
            # Fresh statistics, or the planner guesses the new rows' shape badly.
            async with engine.begin() as connection:
                await connection.execute(
                    text("ANALYZE help_rollup, activity_rollup, session_rollup, project_member")
                )
    finally:
        await engine.dispose()
    return drift


# --- import / export ---------------------------------------------------------------------

import_app = typer.Typer(
    help="Import clients and contacts from CSV (validated first; re-runs change nothing).",
    no_args_is_help=True,
)
export_app = typer.Typer(help="Export data for scripts and BI.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")

OrganizationOption = Annotated[
    str | None,
    typer.Option("--organization", help="Organization id or name (default: the only one there is)"),
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Validate and count, write nothing")]
CsvArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The CSV file")
]


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _print_import(report: ImportReport, kind: str) -> None:
    if report.errors:
        table = Table(title=f"{len(report.errors)} problem(s): nothing was imported")
        for column in ("line", "column", "problem"):
            table.add_column(column)
        for error in report.errors:
            table.add_row(str(error.line), error.column, error.message)
        console.print(table)
        raise typer.Exit(1)
    verb = "Would import" if report.dry_run else "Imported"
    console.print(
        f"[green]{verb} {report.rows} {kind}:[/green] {report.created} new, "
        f"{report.updated} updated, {report.unchanged} unchanged."
    )


async def _run_import(
    settings: Settings, kind: str, path: Path, organization: str | None, **options: Any
) -> ImportReport:
    from api.db import create_engine, create_sessionmaker
    from api.services import imports

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            try:
                org = await imports.resolve_organization(session, organization)
                with _progress() as progress:
                    task = progress.add_task(f"Importing {kind}", total=None)

                    def advance(done: int) -> None:
                        progress.update(task, completed=done)

                    function = (
                        imports.import_clients if kind == "clients" else imports.import_contacts
                    )
                    report = await function(
                        session, path=path, organization=org, on_progress=advance, **options
                    )
                    progress.update(task, total=report.rows, completed=report.rows)
            except imports.ImportRefused as exc:
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(2) from None
            # All or nothing: one transaction for the whole file, kept only for a real run.
            if report.errors or report.dry_run:
                await session.rollback()
            else:
                await session.commit()
            return report
    finally:
        await engine.dispose()


@import_app.command("clients")
def import_clients(
    file: CsvArgument,
    organization: OrganizationOption = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Owner email for rows without owner_email")
    ] = None,
    dry_run: DryRunOption = False,
) -> None:
    """Clients from CSV. Columns (header row, any order; only name is required):
    name, industry, status (prospect|active|dormant|lost), owner_email, external_source,
    external_id, notes. A row matches an existing client by external_id (source default
    "csv"), else by name."""
    report = asyncio.run(
        _run_import(
            _settings(),
            "clients",
            file,
            organization,
            default_owner_email=owner,
            dry_run=dry_run,
        )
    )
    _print_import(report, "clients")


@import_app.command("contacts")
def import_contacts(
    file: CsvArgument,
    organization: OrganizationOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Contacts from CSV. Columns: client_external_id (+ client_external_source) or
    client_name, name (required), title, email, phone, buying_role
    (decision_maker|influencer|champion|gatekeeper|user), notes. The client must exist; a row
    matches an existing contact of that client by email, else by name."""
    report = asyncio.run(_run_import(_settings(), "contacts", file, organization, dry_run=dry_run))
    _print_import(report, "contacts")


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        # In UTC, as it is compared with stored times: 9999-12-31T23:59:59-14:00 overflows.
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise typer.BadParameter(
            "use RFC 3339 within years 1-9999 in UTC, e.g. 2026-01-31 or 2026-01-31T08:00:00Z"
        ) from None


@export_app.command("outcomes")
def export_outcomes(
    since: Annotated[
        str | None,
        typer.Option(
            help="Only sessions changed at or after this time (RFC 3339; UTC if no offset)"
        ),
    ] = None,
    format: Annotated[
        ExportFormat, typer.Option("--format", help="jsonl or csv")
    ] = ExportFormat.jsonl,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", dir_okay=False, help="File (default: stdout)")
    ] = None,
    organization: OrganizationOption = None,
) -> None:
    """Completed session outcomes, oldest change first: summary, decisions, approach,
    attendance and adopted ideas (lists as JSON inside CSV cells)."""
    moment = _parse_since(since)
    count = asyncio.run(_export_outcomes(_settings(), moment, format, output, organization))
    console.print(f"[green]Exported {count} outcome(s).[/green]")


async def _export_outcomes(
    settings: Settings,
    since: datetime | None,
    format: ExportFormat,
    output: Path | None,
    organization: str | None,
) -> int:
    from api.db import create_engine, create_sessionmaker
    from api.services import exports, imports

    engine = create_engine(settings)
    target = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    written = 0
    try:
        async with create_sessionmaker(engine)() as session:
            try:
                org = await imports.resolve_organization(session, organization)
            except imports.ImportRefused as exc:
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(2) from None
            total = await exports.count_outcomes(session, organization_id=org.id, since=since)
            if format is ExportFormat.csv:
                target.write(exports.csv_header())
            line = exports.csv_line if format is ExportFormat.csv else exports.jsonl_line
            with _progress() as progress:
                task = progress.add_task("Exporting outcomes", total=total)
                async for record in exports.iter_outcomes(
                    session, organization_id=org.id, since=since
                ):
                    target.write(line(record))
                    written += 1
                    progress.update(task, completed=written)
    finally:
        if output:
            target.close()
        else:
            target.flush()
        await engine.dispose()
    return written


def main() -> None:
    app()


if __name__ == "__main__":
    main()
