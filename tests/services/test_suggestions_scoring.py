"""The helper ranking as a pure function: facts in, ranked helpers with reasons out.
No database: each test writes the facts the loader would have read."""

from __future__ import annotations

import uuid

from api.models import Seniority
from api.services.suggestions import (
    INDUSTRY_MATCH,
    JUNIOR_BESIDE_SENIORS,
    OWES_HELP_MAX,
    OWNER_HELPED_THEM,
    RECENT_PENALTY_MAX,
    SEAT_PENALTY_MAX,
    SENIOR_FOR_JUNIOR,
    WORD_MATCH,
    HelperFacts,
    Person,
    score_helpers,
)


def person(name: str, seniority: Seniority = Seniority.mid, *expertise: str) -> Person:
    return Person(id=uuid.uuid4(), full_name=name, seniority=seniority, expertise=list(expertise))


OWNER = person("Olga Owner", Seniority.mid)


def facts(*candidates: Person, **figures) -> HelperFacts:
    return HelperFacts(
        owner=figures.pop("owner", OWNER),
        candidates=list(candidates),
        industry=figures.pop("industry", ""),
        project_text=figures.pop("project_text", ""),
        **figures,
    )


def by_name(ranked):
    return {helper.person.full_name: helper for helper in ranked}


def test_no_candidates_rank_nobody():
    assert score_helpers(facts()) == []


def test_expertise_matches_the_industry_before_the_project_words():
    fintech = person("Fay", Seniority.mid, "Fintech")
    words = person("Will", Seniority.mid, "cold calling")
    nothing = person("Ned", Seniority.mid, "Gardening")
    ranked = score_helpers(
        facts(nothing, words, fintech, industry="fintech", project_text="Cold calling for banks")
    )
    assert [h.person.full_name for h in ranked] == ["Fay", "Will", "Ned"]
    helpers = by_name(ranked)
    assert helpers["Fay"].score == INDUSTRY_MATCH
    assert helpers["Fay"].reasons == ["Expertise in Fintech matches the client's industry"]
    assert helpers["Will"].score == WORD_MATCH
    assert helpers["Will"].reasons == ["Knows cold calling, which the project is about"]
    # Every word of a tag must appear in the project: "calling" alone is not "cold calling".
    assert score_helpers(facts(words, project_text="calling"))[0].score == 0
    assert helpers["Ned"].reasons == []


def test_who_owes_help_is_asked_first_capped_and_repaid_help_counts():
    debtor = person("Dora")
    big_debtor = person("Bea")
    creditor = person("Carl")
    repaid = person("Rita")
    ranked = by_name(
        score_helpers(
            facts(
                debtor,
                big_debtor,
                creditor,
                repaid,
                owed_minutes={debtor.id: 90, big_debtor.id: 100_000, creditor.id: -300},
                owner_helped_minutes={repaid.id: 45},
            )
        )
    )
    assert ranked["Dora"].score == 1.5  # 90 minutes owed: 1.5 hours
    assert ranked["Dora"].reasons == [
        "Received 90 more minutes than given in the last year: their turn to help"
    ]
    assert ranked["Bea"].score == OWES_HELP_MAX
    assert ranked["Carl"].score == 0 and ranked["Carl"].reasons == []
    assert ranked["Rita"].score == OWNER_HELPED_THEM
    assert ranked["Rita"].reasons == ["Olga Owner helped them for 45 minutes: help is repaid"]


def test_load_counts_against_seats_and_recent_minutes_each_capped():
    busy = person("Bo")
    swamped = person("Sam")
    idle = person("Ida")
    ranked = score_helpers(
        facts(
            busy,
            swamped,
            idle,
            open_helper_seats={busy.id: 2, swamped.id: 50},
            recent_minutes_given={busy.id: 119, swamped.id: 10_000},
        )
    )
    assert [h.person.full_name for h in ranked] == ["Ida", "Bo", "Sam"]
    helpers = by_name(ranked)
    # 119 minutes is under one 120-minute step: no penalty, no reason.
    assert helpers["Bo"].score == -2.0
    assert helpers["Bo"].reasons == ["Already helps on 2 open project(s)"]
    assert helpers["Sam"].score == -(SEAT_PENALTY_MAX + RECENT_PENALTY_MAX)
    assert helpers["Sam"].reasons == [
        "Already helps on 50 open project(s)",
        "Gave 10000 minutes in the last 30 days",
    ]


def test_seniority_mix_seniors_for_a_junior_owner_juniors_beside_seniors():
    senior = person("Sue", Seniority.senior)
    junior = person("Jo", Seniority.junior)
    junior_owner = person("Jim Owner", Seniority.junior)
    helpers = by_name(score_helpers(facts(senior, junior, owner=junior_owner)))
    assert helpers["Sue"].score == SENIOR_FOR_JUNIOR
    assert helpers["Jo"].score == 0  # no senior on the panel yet
    helpers = by_name(score_helpers(facts(senior, junior, panel_has_senior=True)))
    assert helpers["Sue"].score == 0  # the owner is not junior
    assert helpers["Jo"].score == JUNIOR_BESIDE_SENIORS


def test_reasons_add_up_in_order_and_ties_break_by_name_then_id():
    all_of_it = person("Al", Seniority.senior, "SaaS")
    ranked = score_helpers(
        facts(
            all_of_it,
            industry="saas",
            owner=person("Jim Owner", Seniority.junior),
            owed_minutes={all_of_it.id: 60},
            owner_helped_minutes={all_of_it.id: 30},
            open_helper_seats={all_of_it.id: 1},
            recent_minutes_given={all_of_it.id: 240},
        )
    )
    (helper,) = ranked
    assert helper.score == INDUSTRY_MATCH + 1.0 + OWNER_HELPED_THEM - 1.0 - 2 + SENIOR_FOR_JUNIOR
    assert [reason.split(" ")[0] for reason in helper.reasons] == [
        "Expertise",
        "Received",
        "Jim",
        "Already",
        "Gave",
        "Senior:",
    ]
    twins = [person("ann"), person("Ann"), person("Bob")]
    ranked = score_helpers(facts(*reversed(twins)))
    assert [h.person.full_name for h in ranked][2] == "Bob"
    first, second = ranked[0].person, ranked[1].person
    assert str(first.id) < str(second.id)  # same name but for case: the id decides
    # The same facts always rank the same.
    assert [h.person.id for h in score_helpers(facts(*twins))] == [first.id, second.id, twins[2].id]
