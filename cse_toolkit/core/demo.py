"""Realistic synthetic data for demos, training, tests and the benchmark.

Every name, school, vehicle and place here is invented. The data follows the practice: children
have notes (some backdated, some reported second-hand), missing episodes, a screening scored by
the real engine and confirmed, pathway steps in the order the pathway allows, and intelligence
reports whose people, vehicles and places recur across children, so links and hotspots show.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cse_toolkit.core import catalogue, screening, tools
from cse_toolkit.core import intelligence as intel
from cse_toolkit.core import pathway as pw
from cse_toolkit.core.intelligence.values import SourceType

# The demo's cases follow the current Worcestershire process (pathway 1.1), as a new case would.
DEMO_PATHWAY = "worcestershire-cse"

FIRST = (
    "Amelia Ava Isla Mia Poppy Ruby Grace Evie Freya Lily Ella Chloe Jessica Sophie Holly Leah "
    "Aisha Zara Maya Nia Keira Skye Jade Kayla Tia Oliver Harry Jack Charlie Leo Alfie Jacob "
    "Noah Oscar Riley Kai Tyler Jayden Reece Callum Liam Mason Ethan Kian Rhys Adam Zain Omar"
).split()
SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Walker Robinson Thompson "
    "White Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke Clark Turner Hill "
    "Scott Cooper Morris Ward Moore King Watson Baker Harrison Morgan Khan Ahmed Begum Kaur"
).split()
ALIASES = "Bee Jay Kez Lulu Ziggy Tee Red Sunny Bird Midge Pip Scout Dot Fox Ace Rocky".split()
SCHOOLS = [
    "Northfield Academy",
    "Riverside High School",
    "St Wulstan's Catholic School",
    "Malvern Vale College",
    "Brookside School",
    "Hillcrest Academy",
    "Oakwood Pupil Referral Unit",
    "Severn Bank High School",
    "Kingsmead School",
    "Elm Grove Academy",
]
PLACES = [
    ("Bus station, Foregate Street", "bus_station", "WR1 1AA"),
    ("Chicken Palace takeaway, High Street", "takeaway", "WR1 2ZZ"),
    ("Riverside Park (skate area)", "park", "WR2 4QQ"),
    ("Station taxi rank", "taxi_rank", "WR1 3XX"),
    ("Crown Lodge Hotel", "hotel", "WR5 1YY"),
    ("Crowngate car park, level 3", "car_park", "WR1 3LD"),
    ("Flat above the vape shop, Lowesmoor", "house", "WR1 2SE"),
    ("Shopping centre food court", "shopping_centre", "WR1 2RT"),
]
SUSPECTS = [
    ("HOLLAND", "Dean", "Deano", "1994-03-12"),
    ("KERR", "Jordan", "JK", None),
    ("MASON", "Lee", "Mase", "1988-11-02"),
    ("", "", "Slim", None),
    ("PRICE", "Callum", "Cal", "2001-06-30"),
    ("", "Tariq", "", None),
]
VEHICLES = [
    ("AB12 CDE", "Vauxhall", "Corsa", "silver"),
    ("YX63 KLM", "BMW", "1 Series", "black"),
    ("WR19 TZA", "Ford", "Fiesta", "white"),
    ("FH68 PPO", "Audi", "A3", "grey"),
]
NOTE_TEMPLATES = [
    "Seen at {place} with two older males, one of whom gave {name} a new phone.",
    "{name} told me they had stayed out until 3am at a party in a flat; would not say whose.",
    "School reports {name} absent three days this week; mum says {name} was at a friend's.",
    "Met {name} at the youth centre. Quiet, tired, new trainers and a designer jacket.",
    "Mum rang: {name} came home in a taxi at 2am; she does not know who paid.",
    "{name} showed me messages from a much older person they call a 'boyfriend', asking for pictures.",
    "Outreach session near {place}: {name} was waiting by a silver car, left before we spoke.",
    "Return interview after missing episode: {name} said they were 'just chilling' with mates.",
    "{name} disclosed feeling pressured to bring friends to parties.",
    "Sexual health clinic appointment attended with support; {name} engaged well.",
]
CATEGORIES = [
    "observation",
    "conversation with the child",
    "information from another agency",
    "information from family",
    "online activity",
]


@dataclass
class DemoChild:
    id: str
    name: str
    alias: str
    dob: date
    gender: str
    school: str
    learning_disability: bool
    notes: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    screening: dict[str, Any] | None = None
    steps: list[pw.StepRecord] = field(default_factory=list)
    confirmed_level: str | None = None
    tool_id: str = ""


def _answers(rng: random.Random, tool: tools.Tool, intensity: float) -> list[screening.Answer]:
    answers: list[screening.Answer] = []
    for section in tool.sections:
        for ind in section.indicators:
            roll = rng.random()
            if roll < intensity * (0.25 if section.scored else 0.4):
                value = "yes" if rng.random() < 0.7 else "possible"
                when = None
                if section.has_time_period:
                    when = "current" if rng.random() < 0.7 else "prior"
                answers.append(
                    screening.Answer(
                        indicator=ind.id,
                        value=value,
                        basis="evidence" if rng.random() < 0.6 else "gut_feeling",
                        when=when,
                        note="",
                    )
                )
            elif roll < 0.8:
                answers.append(screening.Answer(indicator=ind.id, value="no"))
    return answers


def generate(
    n_children: int,
    seed: int = 1,
    notes_per_child: int = 8,
    today: date | None = None,
    owner_names: tuple[str, ...] = ("demo",),
) -> Iterator[DemoChild]:
    """Yield synthetic children with their records, deterministic for a seed."""
    rng = random.Random(seed)
    today = today or datetime.now(UTC).date()
    tool_ids = ["worcestershire-2013", "west-midlands-regional"]
    loaded = {t: catalogue.load_tool(t) for t in tool_ids}
    pathway = catalogue.load_pathway(DEMO_PATHWAY)
    for i in range(n_children):
        child_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        age = rng.choice([10, 11, 12, 13, 13, 14, 14, 15, 15, 15, 16, 16, 17])
        dob = today - timedelta(days=age * 365 + rng.randint(0, 360))
        first = rng.choice(FIRST)
        child = DemoChild(
            id=child_id,
            name=f"{first} {rng.choice(SURNAMES)}",
            alias=rng.choice(ALIASES) if rng.random() < 0.3 else "",
            dob=dob,
            gender="female" if first in FIRST[:24] else "male",
            school=rng.choice(SCHOOLS),
            learning_disability=rng.random() < 0.08,
        )
        start = datetime.combine(today, datetime.min.time(), UTC) - timedelta(
            days=rng.randint(20, 400)
        )
        count = max(1, int(rng.gauss(notes_per_child, notes_per_child / 3)))
        for _ in range(count):
            when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 19))
            place = rng.choice(PLACES)[0]
            child.notes.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "event_at": when,
                    "place": place if rng.random() < 0.6 else "",
                    "category": rng.choice(CATEGORIES),
                    "source": "first_hand" if rng.random() < 0.7 else "reported",
                    "body": rng.choice(NOTE_TEMPLATES).format(place=place, name=first),
                }
            )
        if rng.random() < 0.3:
            went = start + timedelta(days=rng.randint(0, 15), hours=rng.randint(17, 23))
            child.missing.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "from_at": went,
                    "to_at": went + timedelta(hours=rng.randint(4, 60)),
                    "where_found": rng.choice(PLACES)[0],
                    "return_interview": "Completed by the return-home worker."
                    if rng.random() < 0.6
                    else "",
                }
            )
        tool = loaded[tool_ids[i % 5 == 4]]
        screened = start + timedelta(days=rng.randint(1, 18))
        inp = screening.ScreeningInput(
            tool=tool.id,
            tool_version=tool.version,
            child=screening.ChildContext(age=age, learning_disability=child.learning_disability),
            immediate_danger=False,
            answers=_answers(rng, tool, rng.choice([0.0, 0.03, 0.05, 0.07, 0.1, 0.15, 0.25])),
        )
        outcome = screening.evaluate(tool, inp)
        level = outcome.suggested_level
        child.tool_id = tool.id
        child.screening = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "screened_at": screened,
            "input": inp.to_dict(),
            "outcome": outcome.to_dict(),
            "suggested_level": level,
            "confirmed_level": level,
            "status": "confirmed",
        }
        child.confirmed_level = level
        child.steps = _steps(pathway, start, screened, child, level, rng)
        yield child


def _steps(
    pathway: pw.Pathway,
    start: datetime,
    screened: datetime,
    child: DemoChild,
    level: str,
    rng: random.Random,
) -> list[pw.StepRecord]:
    assert child.screening is not None
    plan: list[tuple[str, datetime, dict[str, Any]]] = [
        ("concern", start, {"what": child.notes[0]["body"], "when": start, "by_whom": "demo"}),
        ("danger_check", start, {"immediate_danger": False}),
        (
            "screen",
            screened,
            {
                "screening_id": child.screening["id"],
                "tool": child.tool_id,
                "tool_version": child.screening["input"]["tool_version"],
            },
        ),
    ]
    if rng.random() < 0.85:
        plan.append(
            (
                "discuss",
                screened + timedelta(days=1),
                {
                    "with_whom": "DSL",
                    "discussed_at": screened + timedelta(days=1),
                    "agreed_level": level,
                },
            )
        )
        plan.append(("decide", screened + timedelta(days=1), {"confirmed_level": level}))
    records: list[pw.StepRecord] = []
    for step_id, when, data in plan:
        rec = pw.StepRecord(
            step=step_id, recorded_at=when, event_at=when, recorded_by="demo", data=data
        )
        records = pw.record_step(pathway, records, rec, level)
    return records


# The intelligence assessment (3x5x2) that fits each source type: seen by the worker is known
# directly (A); told by the child or by someone else is known indirectly (C).
HANDLING_FOR_SOURCE = {"worker_saw": "A", "child_disclosed": "C", "third_party": "C"}


def intelligence(
    children: list[DemoChild], seed: int = 1, share: float = 0.3
) -> list[intel.IntelReport]:
    """Reports for about ``share`` of the children, reusing people, vehicles and places."""
    rng = random.Random(seed + 7)
    reports: list[intel.IntelReport] = []
    for i, child in enumerate(children):
        if rng.random() >= share:
            continue
        surname, forenames, nickname, dob = rng.choice(SUSPECTS)
        person = intel.Person(
            surname=surname,
            forenames=forenames,
            nickname=nickname,
            dob=date.fromisoformat(dob) if dob else None,
            age_range=None if dob else "20-30",
            description="Slim build, local accent",
            role="suspected_perpetrator",
        )
        vrm, make, model, colour = rng.choice(VEHICLES)
        place, kind, postcode = rng.choice(PLACES)
        seen = child.notes[0]["event_at"]
        first = child.name.split()[0]
        label = person.display()
        report_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        source: SourceType = rng.choice(["worker_saw", "child_disclosed", "third_party"])
        grade = HANDLING_FOR_SOURCE[source]
        report = intel.IntelReport(
            id=report_id,
            title=f"Adult seen with a child at {place.split(',')[0]}",
            facts=[
                f"{label} seen collecting a child of 14-15 known as {first} at {place}.",
                f"VRM: {vrm} {colour} {make} {model} used to collect the child.",
                "Seen on at least three evenings in the past fortnight, around 21:00.",
            ],
            learned_at=seen.strftime("%Y-%m-%dT%H:%M:%SZ"),
            learned_place=place,
            happened="Three evenings in the past fortnight, each around 21:00",
            source_type=source,
            # Issue 14: the suggested grading never contradicts how it is known (a worker who
            # saw it knows it directly; what a child or a third party told is known indirectly).
            handling=intel.HandlingSuggestion(source_evaluation="2", intelligence_assessment=grade),
            child_ids=[child.id],
            entities=[
                person,
                intel.Vehicle(vrm=vrm, make=make, model=model, colour=colour),
                intel.Location(name=place, postcode=postcode, place_type=kind),  # type: ignore[arg-type]
            ],
            closing_confirmed=True,
            status="final",
        )
        reports.append(report)
        del i
    return reports
