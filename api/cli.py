"""The ``mastermind`` command: serve, migrate, create-admin, seed-demo."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.config import Settings, get_settings

app = typer.Typer(help="Sales Mastermind: team selling for sales reps.", no_args_is_help=True)
console = Console(stderr=True)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _alembic_config(database_url: str):  # type: ignore[no-untyped-def]
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
    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,  # our JSON logging (api.observability) stays in charge
        access_log=False,
        proxy_headers=settings.trust_forwarded_for,
        timeout_graceful_shutdown=20,
    )


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


async def _create_admin(settings: Settings, data) -> None:  # type: ignore[no-untyped-def]
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


@app.command("seed-demo")
def seed_demo(
    password: Annotated[
        str | None,
        typer.Option(
            envvar="MASTERMIND_DEMO_PASSWORD",
            help="Password for every demo user (default: random, printed)",
        ),
    ] = None,
) -> None:
    """Create a demo organization with people, clients, projects and sessions (once)."""
    settings = _settings()
    password = password or secrets.token_urlsafe(12)
    result = asyncio.run(_seed_demo(settings, password))
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


async def _seed_demo(settings: Settings, password: str):  # type: ignore[no-untyped-def]
    from api.db import create_engine, create_sessionmaker
    from api.demo import seed_demo as seed
    from api.security import Security

    engine = create_engine(settings)
    steps = [
        "organization and people",
        "clients and contacts",
        "projects and panels",
        "sessions, ideas and votes",
        "time entries",
    ]
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

            result = await seed(
                create_sessionmaker(engine), Security(settings), password=password, on_step=on_step
            )
            progress.update(task, completed=len(steps), description="Seeded the demo")
    finally:
        await engine.dispose()
    return result


def main() -> None:
    app()


if __name__ == "__main__":
    main()
