"""The Mastermind visibility rules as pure functions (DESIGN 7.2): evenness, and a property
test that for any sequence of phase moves, cards, merges and votes, no reader's stream view
ever carries another's hidden card or (before completion) another's author."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.events import LiveEvent
from api.models import PHASE_ORDER, Anonymity, SessionFormat, SessionPhase, SessionStatus
from api.services.contributions import RoomState, StreamView, visibility
from api.services.sessions import evenness

# --- evenness --------------------------------------------------------------------------------


def test_evenness_is_one_when_everyone_gave_alike_or_nobody_did():
    assert evenness([3, 3, 3]) == 1.0
    assert evenness([]) == 1.0
    assert evenness([5]) == 1.0
    assert evenness([0, 0]) == 1.0


def test_evenness_falls_as_one_voice_dominates():
    assert evenness([1, 2, 3]) == pytest.approx(1 - 4 / 18, abs=1e-4)
    assert evenness([0, 0, 9]) == pytest.approx(1 / 3, abs=1e-4)
    assert evenness([1, 1, 4]) < evenness([2, 2, 2])


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=30))
def test_evenness_stays_within_zero_and_one(counts):
    assert 0.0 <= evenness(counts) <= 1.0
    assert evenness(counts) == evenness(list(reversed(counts)))  # order does not matter


# --- the per-reader stream view --------------------------------------------------------------

PEOPLE = [uuid.UUID(int=n + 1) for n in range(3)]
NAMES = {p: f"Person {n}" for n, p in enumerate(PEOPLE)}
SESSION_ID = uuid.UUID(int=99)

step = st.one_of(
    st.tuples(st.just("phase"), st.sampled_from(list(SessionPhase))),
    st.tuples(st.just("card"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("vote"), st.sampled_from(PEOPLE), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("merge"), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("complete")),
)


def _card(n: int, author: uuid.UUID, votes: int = 0) -> dict:
    return {
        "id": str(uuid.UUID(int=1000 + n)),
        "session_id": str(SESSION_ID),
        "author_id": str(author),
        "author_name": NAMES[author],
        "kind": "idea",
        "body": f"card {n} by P{PEOPLE.index(author)}",
        "status": "open",
        "votes": votes,
    }


class Room:
    """A model of a mastermind room producing the events the services store."""

    def __init__(self, anonymity: Anonymity):
        self.state = RoomState(
            SessionFormat.mastermind, anonymity, SessionPhase.brief, SessionStatus.live
        )
        self.cards: list[tuple[uuid.UUID, int]] = []  # (author, votes)
        self.events: list[LiveEvent] = []

    def emit(self, type: str, payload: dict) -> None:
        self.events.append(LiveEvent(SESSION_ID, len(self.events) + 1, type, payload))

    def apply(self, move: tuple) -> None:
        kind = move[0]
        if self.state.status != SessionStatus.live:
            return
        if kind == "phase":
            target = move[1]
            current = self.state.phase or SessionPhase.brief
            if PHASE_ORDER[target] <= PHASE_ORDER[current]:
                return  # the service answers 409; nothing is stored
            previous, self.state.phase = current, target
            payload: dict = {"session_id": str(SESSION_ID), "phase": target.value}
            reveal = PHASE_ORDER[SessionPhase.reveal]
            if (
                PHASE_ORDER[previous] < reveal <= PHASE_ORDER[target]
                or previous == SessionPhase.vote
            ):
                payload["contributions"] = [_card(n, a, v) for n, (a, v) in enumerate(self.cards)]
            self.emit("phase.changed", payload)
        elif kind == "card" and self.state.phase == SessionPhase.write:
            self.cards.append((move[1], 0))
            self.emit("contribution.created", _card(len(self.cards) - 1, move[1]))
        elif kind == "vote" and self.state.phase == SessionPhase.vote and self.cards:
            n = move[2] % len(self.cards)
            author, votes = self.cards[n]
            if author != move[1]:
                self.cards[n] = (author, votes + 1)
                self.emit(
                    "vote.changed",
                    {
                        "contribution_id": _card(n, author)["id"],
                        "votes": votes + 1,
                        "voter_id": str(move[1]),
                        "voted": True,
                    },
                )
        elif (
            kind == "merge"
            and self.cards
            and PHASE_ORDER[self.state.phase or SessionPhase.brief]
            >= PHASE_ORDER[SessionPhase.reveal]
        ):
            a, b = move[1] % len(self.cards), move[2] % len(self.cards)
            if a != b:
                author, votes = self.cards[a]
                self.emit(
                    "contribution.merged",
                    {**_card(a, author, votes), "into": _card(b, self.cards[b][0])["id"]},
                )
        elif kind == "complete":
            self.state.status = SessionStatus.completed
            self.emit(
                "session.status_changed", {"session_id": str(SESSION_ID), "status": "completed"}
            )


@settings(max_examples=300, deadline=None)
@given(
    anonymity=st.sampled_from(list(Anonymity)),
    moves=st.lists(step, max_size=40),
    resume_at=st.integers(min_value=0, max_value=40),
)
def test_no_reader_ever_receives_another_hidden_card_or_author(anonymity, moves, resume_at):
    room = Room(anonymity)
    for move in moves:
        room.apply(move)
    for reader in PEOPLE:
        # Live from the start, and again as a reader who joins (or reconnects) part-way.
        for start in (0, min(resume_at, len(room.events))):
            opened = Room(anonymity)
            for move in moves:
                if len(opened.events) >= start:
                    break
                opened.apply(move)
            view = StreamView(opened.state, reader, set())  # type: ignore[arg-type]
            state = RoomState(
                SessionFormat.mastermind, anonymity, opened.state.phase, opened.state.status
            )
            for live in room.events[start:]:
                if live.type == "phase.changed":
                    state.phase = SessionPhase(live.payload["phase"])
                if live.type == "session.status_changed":
                    state.status = SessionStatus.completed
                shown = view(live)
                if shown is None:
                    continue
                seen = visibility(state, reader)
                text = repr(shown.payload)
                for other in PEOPLE:
                    if other == reader:
                        continue
                    if seen.authors_hidden:
                        assert str(other) not in text, (live, shown)
                        assert NAMES[other] not in text
                    if seen.cards_hidden:
                        assert "card" not in text or f"by P{PEOPLE.index(other)}" not in text
                if seen.votes_hidden and shown.type == "vote.changed":
                    assert shown.payload.get("votes") is None
                    assert live.payload["voter_id"] == str(reader)
                assert "voter_id" not in shown.payload


def test_the_view_starts_from_the_session_as_it_is():
    state = RoomState(
        SessionFormat.mastermind, Anonymity.until_complete, SessionPhase.write, SessionStatus.live
    )
    view = StreamView(state, PEOPLE[0], {"x"})  # type: ignore[arg-type]
    hidden = view(LiveEvent(SESSION_ID, 1, "contribution.created", _card(0, PEOPLE[1])))
    assert hidden is not None and hidden.type == "contribution.hidden"
    assert hidden.payload["hidden_count"] == 2
