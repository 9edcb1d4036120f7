"""Demo data: `make seed SEED=1 SIZE=1` (`python -m db.seed --seed 1 --size 1`).

It REPLACES everything in the database with a made-up community: users with profiles who
follow each other, logbook entries and dreams on their interests, conversations several
replies deep, tags, resonances, amplifications and shares, in all three privacy levels,
spread over the last weeks with the most recent activity densest (so trending has something
in every window). Nobody interacts with an entry they could not see through the API.

The same seed number gives the same rows: ids, texts and times (relative to `--now`, which
defaults to the current time; pin it to get byte-identical data). SIZE scales every count
(30 users and about 300 entries per unit). It prints development tokens for a few users.

The rows go in with the counter triggers disabled inside the seeding transaction (row
triggers on popular rows are slow in bulk, ../shared/notes/stack.md); `fix_counter_drift()`
then computes every counter from the rows, so the seed ends with no drift.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from db import embedded
from db.migrate import apply_all, ensure_database
from db.pool import connect
from db.reconcile import find_drift
from db.trending import refresh_trending

# Who the printed tokens are for: the same three people in every seed.
FEATURED = (
    ("ada", "Ada Lovelace", "admin", ("dreams", "code", "music")),
    ("grace", "Grace Hopper", "user", ("sailing", "code", "dreams")),
    ("alan", "Alan Turing", "user", ("running", "garden", "dreams")),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Amara Bruno Chiara Dmitri Elif Farah Gustavo Hana Ines Jonas Kenji Leila Mateo Nadia "
    "Oskar Priya Quentin Rosa Sami Tove Umar Vera Wen Ximena Yusuf Zofia Aiko Bastian Carmen "
    "Dalia Emeka Freya Goran Hugo Ingrid Jamal Kaia Luca Mira Nils Olga Pablo Rania Stellan"
)
LAST_NAMES = _words(
    "Okafor Rossi Ivanova Yilmaz Haddad Silva Sato Moreau Berg Tanaka Nowak Costa Lindqvist "
    "Mensah Dubois Kowalski Novak Fischer Ortega Nakamura Petrov Hansen Mendes Abadi Larsen "
    "Varga Keller Romero Andersen Castillo"
)
LOCATIONS = (
    "Lisbon",
    "Oslo",
    "Nairobi",
    "Montréal",
    "Kyoto",
    "Valparaíso",
    "Tbilisi",
    "Edinburgh",
    "Porto Alegre",
    "Tallinn",
    "Marseille",
    "Hobart",
    "Reykjavík",
    "Accra",
    None,
)
JOBS = (
    "Night-shift nurse",
    "Backend developer",
    "Cellist",
    "Lighthouse keeper, part time",
    "PhD student in marine biology",
    "Bike courier",
    "Primary-school teacher",
    "Sound engineer",
    "Retired cartographer",
    "Baker",
    "Translator",
    "Data journalist",
)


@dataclass(frozen=True)
class Topic:
    tags: tuple[str, ...]
    titles: tuple[str, ...]
    lines: tuple[str, ...]
    bio: str
    agent: str | None = None


TOPICS = {
    "code": Topic(
        ("code", "side-project"),
        ("Shipped the parser", "Debugging log", "Refactor day {n}", "Notes on keyset pagination"),
        (
            "Spent the morning chasing an off-by-one in the cursor code.",
            "The test suite went from 40 s to 9 s after moving fixtures to the session.",
            "Wrote the migration twice; the second one was half as long.",
            "Pair-programmed with a friend over a very bad video call.",
            "Finally understood why the counter drifted: two writers, one row.",
        ),
        "writes code for a living and for fun",
    ),
    "sailing": Topic(
        ("sailing", "sea"),
        ("Logbook, day {n}", "Crossing notes", "Harbour days", "Wind shift at dawn"),
        (
            "Wind backed to the south-west around 0400 and we reefed twice.",
            "Dolphins kept pace with the bow for nearly an hour.",
            "Fixed the bilge pump with a hose clamp and optimism.",
            "Fog all morning; we navigated by the sound of the bell buoy.",
            "Anchored in a bay so quiet we could hear the rigging tick.",
        ),
        "keeps a logbook at sea",
    ),
    "running": Topic(
        ("running", "training"),
        ("Long run, week {n}", "Intervals", "Race report", "Easy miles"),
        (
            "Twelve kilometres at an easy pace, legs heavy for the first three.",
            "Six by 800 m on the track; the last one was the fastest.",
            "New shoes, same hill, slightly less suffering.",
            "Ran before sunrise and had the river path to myself.",
            "Heart rate stayed low the whole way, which never happens.",
        ),
        "runs before work",
        agent="Strava import",
    ),
    "garden": Topic(
        ("garden", "plants"),
        ("Garden log {n}", "First tomatoes", "Compost report", "Frost warning"),
        (
            "The beans climbed a full hand's width overnight.",
            "Slugs found the lettuce before I did.",
            "Turned the compost; it was steaming in the cold air.",
            "Planted garlic in the bed the pumpkins left behind.",
            "The fig finally has more than three leaves.",
        ),
        "grows too many tomatoes",
    ),
    "music": Topic(
        ("music", "practice"),
        ("Practice log {n}", "Rehearsal notes", "Scales and patience", "A new piece"),
        (
            "Forty minutes of scales, then the Bach finally sounded like Bach.",
            "Recorded myself and heard every rushed bar.",
            "Rehearsal ran late; the second movement is coming together.",
            "Changed strings and spent the evening retuning.",
            "Played for the neighbours' kids, who requested the same song four times.",
        ),
        "practises every evening",
    ),
    "baking": Topic(
        ("baking", "sourdough"),
        ("Bake {n}", "Starter diary", "Crumb shot", "Rye experiment"),
        (
            "The starter doubled in five hours, a new record.",
            "Overproofed again; flat loaf, great flavour.",
            "Tried 30% rye and the dough fought back.",
            "Scored the loaf with a razor and it opened like a book.",
            "Gave away three loaves and kept the ugly one.",
        ),
        "bakes bread at dawn",
    ),
    "birds": Topic(
        ("birds", "nature"),
        ("Birding log {n}", "Morning count", "Marsh walk", "Rare visitor"),
        (
            "Counted eleven species before the rain started.",
            "A heron stood in the same spot for an entire hour.",
            "Heard a cuckoo for the first time this year.",
            "The starlings did their evening murmuration over the reeds.",
            "A kingfisher, just a blue streak, but it counts.",
        ),
        "counts birds on weekends",
    ),
}
DREAM_PLACES = (
    "in a library where the shelves were made of water",
    "on a train that only stopped at my old schools",
    "in my grandmother's kitchen, but it was underwater",
    "on a rooftop above a city I have never seen",
    "in a forest where the trees hummed in chords",
    "at an airport with no planes, only boats",
    "in a house with one more room than it should have",
    "on a beach where the tide went out for miles",
)
DREAM_EVENTS = (
    "Everyone I met spoke in questions.",
    "I could fly, but only a metre off the ground.",
    "A cat explained the rules of a game I had already lost.",
    "The stairs kept rearranging themselves behind me.",
    "I was late for an exam in a subject that does not exist.",
    "My phone showed messages from next week.",
    "The moon was close enough to touch and slightly warm.",
    "I found a door in the back of the wardrobe that opened onto a station platform.",
)
DREAM_ENDINGS = (
    "I woke up just as I found the exit.",
    "It ended with the sound of rain.",
    "I knew I was dreaming and stayed anyway.",
    "The alarm went off mid-sentence.",
    "I remember the colours more than anything else.",
)
DREAM_TITLES = (
    "The humming forest",
    "Water library",
    "The extra room",
    "Late for the exam again",
    "Moonlight, close up",
    "Platform behind the wardrobe",
    None,
)
MOODS = ("calm", "anxious", "joyful", "eerie", "bittersweet", "curious")
REPLIES = (
    "Same here, more or less.",
    "This made my morning.",
    "Did you try doing it the other way round?",
    "I had almost exactly this last week.",
    "Writing this down before I forget: thank you.",
    "How long did it take?",
    "The detail about the light is perfect.",
    "Following this thread closely.",
    "Update: it worked the second time.",
    "Not what I expected, but I like it.",
)
DREAM_AGENT = "Somnia voice transcription"

USERS_PER_SIZE = 30


@dataclass
class _User:
    id: uuid.UUID
    username: str
    name: str
    email: str
    bio: str
    location: str | None
    avatar: str
    role: str
    created_at: datetime
    interests: tuple[str, ...]
    weight: float  # how popular and active: drives follows, replies and interactions


@dataclass
class _Entry:
    author: int
    type: str
    title: str | None
    content: str
    agent: str | None
    privacy: str
    tags: list[str]
    metadata: dict[str, Any] | None
    created_at: datetime
    parent: int | None = None  # index into the plan's entries
    depth: int = 0
    id: int = 0  # assigned once all entries exist, in order of creation


@dataclass
class Plan:
    """Every row of a seed, made in Python before any is written."""

    users: list[_User] = field(default_factory=list)
    follows: list[tuple[int, int, datetime]] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)
    resonances: list[tuple[int, int, datetime]] = field(default_factory=list)
    amplifications: list[tuple[int, int, datetime]] = field(default_factory=list)
    shares: list[int] = field(default_factory=list)  # entry ids, one per share


@dataclass(frozen=True)
class Summary:
    users: int
    entries: int
    privacy: dict[str, int]
    dreams: int
    branches: int
    deepest: int
    follows: int
    resonances: int
    amplifications: int
    shares: int
    featured: list[tuple[uuid.UUID, str, str]]  # (id, username, role)


def _weighted_sample(
    rng: random.Random, items: Sequence[int], weights: Sequence[float], k: int
) -> list[int]:
    """k distinct items, heavier ones likelier (Efraimidis-Spirakis), deterministic."""
    keyed = sorted(
        ((rng.random() ** (1.0 / w), i) for i, w in zip(items, weights, strict=True)), reverse=True
    )
    return [i for _, i in keyed[:k]]


class _Planner:
    def __init__(self, seed: int, size: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.plan = Plan()
        self.n_users = USERS_PER_SIZE * size
        self.followers: list[set[int]] = []

    def _between(self, start: datetime, end: datetime, skew: float = 1.0) -> datetime:
        """A time in [start, end), closer to start when skew > 1."""
        span = max((end - start).total_seconds(), 0.0)
        return start + timedelta(seconds=span * self.rng.random() ** skew)

    def users(self) -> None:
        rng = self.rng
        names: list[tuple[str, str, str, tuple[str, ...]]] = list(FEATURED)
        combos = len(FIRST_NAMES) * len(LAST_NAMES)
        order = rng.sample(range(combos), combos)
        topics = sorted(TOPICS)
        for k in range(self.n_users - len(names)):
            p, again = order[k % combos], k // combos  # past every name: ada_lovelace2, ...
            first, last = FIRST_NAMES[p // len(LAST_NAMES)], LAST_NAMES[p % len(LAST_NAMES)]
            username = f"{first}_{last}".lower() + (str(again + 1) if again else "")
            interests = (*rng.sample(topics, rng.randint(1, 2)), "dreams")
            names.append((username, f"{first} {last}", "user", interests))
        ranks = rng.sample(range(len(names)), len(names))
        for i, (username, name, role, interests) in enumerate(names):
            # The same spread of popularity at every size: the top 1/30th are the stars.
            weight = 1.0 / (ranks[i] * USERS_PER_SIZE / len(names) + 1) ** 0.8
            if i < len(FEATURED):
                weight = max(weight, 0.5)  # the token holders have a lively feed
            hobbies = [TOPICS[t].bio for t in interests if t in TOPICS]
            bio = (
                f"{rng.choice(JOBS)}. "
                + (f"{' and '.join(hobbies).capitalize()}; " if hobbies else "")
                + "writes down every dream."
            )
            self.plan.users.append(
                _User(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    username=username,
                    name=name,
                    email=f"{username}@example.com",
                    bio=bio,
                    location=rng.choice(LOCATIONS),
                    avatar=f"https://avatars.example.com/{username}.png",
                    role=role,
                    created_at=self.now - timedelta(days=rng.uniform(45, 120)),
                    interests=interests,
                    weight=weight,
                )
            )
        self.followers = [set() for _ in self.plan.users]

    def follows(self) -> None:
        rng, users = self.rng, self.plan.users
        everyone = range(len(users))
        weights = [u.weight for u in users]
        # The featured users follow each other, so each token's feed has friends in it.
        wanted = {(a, b) for a in range(len(FEATURED)) for b in range(len(FEATURED)) if a != b}
        for u in everyone:
            k = min(len(users) - 1, rng.randint(3, 12))
            others = [v for v in everyone if v != u]
            for v in _weighted_sample(rng, others, [weights[v] for v in others], k):
                wanted.add((u, v))
        for u, v in sorted(wanted):
            since = max(users[u].created_at, users[v].created_at)
            self.plan.follows.append((u, v, self._between(since, self.now - timedelta(days=1))))
            self.followers[v].add(u)

    def _post_time(self, author: int) -> datetime:
        # Most recent days densest: about 4% of posts in the last hour, 20% in the last day.
        age = timedelta(days=30 * self.rng.random() ** 2.2, minutes=1)
        return max(self.now - age, self.plan.users[author].created_at)

    def _privacy(self) -> str:
        roll = self.rng.random()
        return "public" if roll < 0.7 else "followers" if roll < 0.88 else "private"

    def _root(self, author: int) -> _Entry:
        rng, user = self.rng, self.plan.users[author]
        interest = rng.choice(user.interests)
        created = self._post_time(author)
        if interest == "dreams":
            content = " ".join(
                [
                    f"I was {rng.choice(DREAM_PLACES)}.",
                    *rng.sample(DREAM_EVENTS, rng.randint(1, 2)),
                    rng.choice(DREAM_ENDINGS),
                ]
            )
            lucidity = rng.randint(0, 5)
            metadata = {
                "lucidity": lucidity,
                "mood": rng.choice(MOODS),
                "recurring": rng.random() < 0.2,
            }
            return _Entry(
                author=author,
                type="dream",
                title=rng.choice(DREAM_TITLES),
                content=content,
                agent=DREAM_AGENT if rng.random() < 0.25 else None,
                privacy=self._privacy(),
                tags=["dream", *(["lucid"] if lucidity >= 4 else [])],
                metadata=metadata,
                created_at=created,
            )
        topic = TOPICS[interest]
        return _Entry(
            author=author,
            type="logbook",
            title=rng.choice(topic.titles).format(n=rng.randint(2, 90)),
            content=" ".join(rng.sample(topic.lines, rng.randint(2, 4))),
            agent=topic.agent if topic.agent and rng.random() < 0.5 else None,
            privacy=self._privacy(),
            tags=list(topic.tags[: rng.randint(1, len(topic.tags))]),
            metadata=None,
            created_at=created,
        )

    def can_see(self, viewer: int, entry: _Entry) -> bool:
        """The API's visibility rule, for the made-up users (no admin exception needed)."""
        return (
            entry.privacy == "public"
            or viewer == entry.author
            or (entry.privacy == "followers" and viewer in self.followers[entry.author])
        )

    def _reply(self, parent_index: int, author: int) -> int | None:
        """A branch of the entry by `author`; None when there is no time left for one, or
        the author cannot see the entry."""
        rng, parent = self.rng, self.plan.entries[parent_index]
        earliest = parent.created_at + timedelta(minutes=2)
        if earliest >= self.now or not self.can_see(author, parent):
            return None
        created = self._between(earliest, min(self.now, earliest + timedelta(hours=30)), 2.0)
        # A reply is no more public than what it answers.
        privacy = (
            parent.privacy if parent.privacy != "public" or rng.random() < 0.85 else "followers"
        )
        self.plan.entries.append(
            _Entry(
                author=author,
                type=parent.type,
                title=None,
                content=rng.choice(REPLIES),
                agent=None,
                privacy=privacy,
                tags=list(parent.tags[:1]),
                metadata=None,
                created_at=created,
                parent=parent_index,
                depth=parent.depth + 1,
            )
        )
        return len(self.plan.entries) - 1

    def _repliers(self, entry: _Entry) -> list[int]:
        return [u for u in range(len(self.plan.users)) if self.can_see(u, entry)]

    def entries(self) -> None:
        rng, users = self.rng, self.plan.users
        for author in range(len(users)):
            for _ in range(max(1, round(rng.uniform(3, 9) * (0.6 + users[author].weight)))):
                self.plan.entries.append(self._root(author))
        roots = len(self.plan.entries)
        for index in range(roots):
            root = self.plan.entries[index]
            roll = rng.random()
            if roll < 0.2:
                # A conversation: replies to replies, between the author and a friend or two.
                people = self._repliers(root)
                cast = [root.author, *rng.sample(people, min(len(people), rng.randint(1, 2)))]
                at = index
                for turn in range(rng.randint(2, 6)):
                    nxt = self._reply(at, cast[(turn + 1) % len(cast)])
                    if nxt is None:
                        break
                    at = nxt
            elif roll < 0.45:
                people = self._repliers(root)
                weights = [users[u].weight for u in people]
                for u in _weighted_sample(rng, people, weights, rng.randint(1, 3)):
                    self._reply(index, u)
        # Ids in order of creation, as the server would have given them.
        order = sorted(range(len(self.plan.entries)), key=lambda i: self.plan.entries[i].created_at)
        for new_id, i in enumerate(order, start=1):
            self.plan.entries[i].id = new_id

    def interactions(self) -> None:
        rng, users, plan = self.rng, self.plan.users, self.plan
        weights = [u.weight for u in users]
        for entry in plan.entries:
            audience = [
                u for u in range(len(users)) if u != entry.author and self.can_see(u, entry)
            ]
            if not audience:
                continue
            popularity = 1 + 10 * users[entry.author].weight
            k = min(len(audience), int(rng.expovariate(1 / popularity)))
            for u in _weighted_sample(rng, audience, [weights[u] for u in audience], k):
                plan.resonances.append((u, entry.id, self._between(entry.created_at, self.now, 3)))
            if entry.privacy != "public":
                continue
            k = min(len(audience), int(rng.expovariate(1 / (0.2 + 2 * users[entry.author].weight))))
            for u in _weighted_sample(rng, audience, [weights[u] for u in audience], k):
                plan.amplifications.append(
                    (u, entry.id, self._between(entry.created_at, self.now, 3))
                )
            plan.shares.extend([entry.id] * int(rng.expovariate(1 / 0.5)))
        plan.resonances.sort(key=lambda r: r[2])
        plan.amplifications.sort(key=lambda a: a[2])


def make_plan(seed: int, size: int, now: datetime) -> Plan:
    """The rows of seed `seed` at scale `size`, their times before `now`."""
    planner = _Planner(seed, size, now)
    planner.users()
    planner.follows()
    planner.entries()
    planner.interactions()
    return planner.plan


# The counter triggers of 0002, off while the rows go in (fix_counter_drift counts after).
_COUNTER_TRIGGERS = (
    ("user_resonances", "resonance_count_trigger"),
    ("user_amplifications", "trigger_amplification_count_update"),
    ("entry_branches", "trigger_branch_count_update"),
    ("user_follows", "update_follow_counts_trigger"),
)
_TABLES = (
    "users, stream_entries, entry_interaction_counts, user_resonances, "
    "user_amplifications, entry_branches, user_follows"
)


async def _write(conn: asyncpg.Connection, plan: Plan, rng: random.Random) -> None:
    users = plan.users
    await conn.execute(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE")
    for table, trigger in _COUNTER_TRIGGERS:
        await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    await conn.execute(
        """
        INSERT INTO users (id, username, email, name, bio, location, avatar, role,
                           created_at, updated_at)
        SELECT id, username, email, name, bio, location, avatar, role, created_at, created_at
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                    $7::text[], $8::text[], $9::timestamptz[])
             AS t (id, username, email, name, bio, location, avatar, role, created_at)
        """,
        [u.id for u in users],
        [u.username for u in users],
        [u.email for u in users],
        [u.name for u in users],
        [u.bio for u in users],
        [u.location for u in users],
        [u.avatar for u in users],
        [u.role for u in users],
        [u.created_at for u in users],
    )
    await conn.execute(
        """
        INSERT INTO user_follows (id, follower_id, followed_id, created_at)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[])
        """,
        # user_follows ids are UUIDs: drawn from the seed too, not gen_random_uuid().
        [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in plan.follows],
        [users[a].id for a, _, _ in plan.follows],
        [users[b].id for _, b, _ in plan.follows],
        [at for _, _, at in plan.follows],
    )
    entries = sorted(plan.entries, key=lambda e: e.id)
    # In id order, so each branch's parent is in before it and branch_order follows time.
    await conn.execute(
        """
        INSERT INTO stream_entries (id, user_id, parent_id, type, agent, content, title,
                                    privacy, tags, metadata, created_at, updated_at)
        SELECT id, user_id, parent_id, type, agent, content, title, privacy,
               string_to_array(tags, ','), metadata::jsonb, created_at, created_at
        FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::text[], $5::text[],
                    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                    $11::timestamptz[])
             AS t (id, user_id, parent_id, type, agent, content, title, privacy, tags,
                   metadata, created_at)
        ORDER BY id
        """,
        [e.id for e in entries],
        [users[e.author].id for e in entries],
        [None if e.parent is None else plan.entries[e.parent].id for e in entries],
        [e.type for e in entries],
        [e.agent for e in entries],
        [e.content for e in entries],
        [e.title for e in entries],
        [e.privacy for e in entries],
        [",".join(e.tags) for e in entries],
        [None if e.metadata is None else json.dumps(e.metadata) for e in entries],
        [e.created_at for e in entries],
    )
    for table, rows in (
        ("user_resonances", plan.resonances),
        ("user_amplifications", plan.amplifications),
    ):
        await conn.execute(
            f"""
            INSERT INTO {table} (id, user_id, entry_id, created_at)
            SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::timestamptz[])
            ORDER BY 1
            """,
            list(range(1, len(rows) + 1)),
            [users[u].id for u, _, _ in rows],
            [entry_id for _, entry_id, _ in rows],
            [at for _, _, at in rows],
        )
    for table, trigger in _COUNTER_TRIGGERS:
        await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
    await conn.execute("SELECT count(*) FROM fix_counter_drift()")
    # Shares have no rows: each is a call, as the share mutation makes it.
    await conn.executemany("SELECT record_share($1)", [(entry_id,) for entry_id in plan.shares])
    for table in ("stream_entries", "user_resonances", "user_amplifications"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" GREATEST((SELECT max(id) FROM {table}), 1))"
        )
    # The triggers stamped what they wrote with the time of seeding: give those rows the
    # times of the story instead, so trending and "updated" read as if it had happened.
    await conn.execute(
        """
        UPDATE entry_branches b SET created_at = e.created_at
        FROM stream_entries e WHERE e.id = b.child_entry_id
        """
    )
    await conn.execute(
        """
        UPDATE entry_interaction_counts c
        SET created_at = e.created_at,
            updated_at = GREATEST(
                e.created_at,
                (SELECT max(created_at) FROM user_resonances r WHERE r.entry_id = e.id),
                (SELECT max(created_at) FROM user_amplifications a WHERE a.entry_id = e.id),
                (SELECT max(created_at) FROM entry_branches b WHERE b.parent_entry_id = e.id))
        FROM stream_entries e WHERE e.id = c.entry_id
        """
    )


async def seed(conn: asyncpg.Connection, *, seed: int, size: int, now: datetime) -> Summary:
    """Replace all data with seed `seed` at scale `size`, in one transaction."""
    if size < 1:
        raise ValueError("size must be 1 or more")
    plan = make_plan(seed, size, now)
    async with conn.transaction():
        await _write(conn, plan, random.Random(f"{seed}/ids"))
    await refresh_trending(conn)
    privacy = Counter(e.privacy for e in plan.entries)
    return Summary(
        users=len(plan.users),
        entries=len(plan.entries),
        privacy=dict(privacy),
        dreams=sum(e.type == "dream" for e in plan.entries),
        branches=sum(e.parent is not None for e in plan.entries),
        deepest=max(e.depth for e in plan.entries),
        follows=len(plan.follows),
        resonances=len(plan.resonances),
        amplifications=len(plan.amplifications),
        shares=len(plan.shares),
        featured=[(u.id, u.username, u.role) for u in plan.users[: len(FEATURED)]],
    )


async def _seed_database(
    dsn: str, seed_number: int, size: int, now: datetime
) -> tuple[Summary, int]:
    conn = await connect(dsn)
    try:
        summary = await seed(conn, seed=seed_number, size=size, now=now)
        drift = len(await find_drift(conn))
    finally:
        await conn.close()
    return summary, drift


def main(argv: list[str] | None = None) -> int:
    from server.settings import load_settings
    from server.token import mint

    parser = argparse.ArgumentParser(prog="python -m db.seed", description=__doc__)
    parser.add_argument("--seed", type=int, default=1, help="which demo data (default 1)")
    parser.add_argument("--size", type=int, default=1, help="scale: 30 users per unit (default 1)")
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=None,
        help="the time the story ends, ISO 8601 (default: now)",
    )
    parser.add_argument("--token-days", type=float, default=30, help="token lifetime (default 30)")
    args = parser.parse_args(argv)
    now: datetime = args.now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)

    settings = load_settings()
    with embedded.running(settings.embedded_postgres_dir):
        ensure_database(settings.database_url)
        apply_all(settings.database_url)
        summary, drift = asyncio.run(
            _seed_database(settings.database_url, args.seed, args.size, now)
        )

    p = summary.privacy
    print(
        f"Seeded (seed {args.seed}, size {args.size}): {summary.users} users, "
        f"{summary.entries} entries ({summary.dreams} dreams; {p.get('public', 0)} public, "
        f"{p.get('followers', 0)} followers-only, {p.get('private', 0)} private; "
        f"{summary.branches} branches, threads up to {summary.deepest} deep), "
        f"{summary.follows} follows, {summary.resonances} resonances, "
        f"{summary.amplifications} amplifications, {summary.shares} shares."
    )
    if drift:
        print(f"reconcile found {drift} drift(s): run `make reconcile`", file=sys.stderr)
        return 1
    print("Counters: reconcile finds no drift.")
    print(
        f"\nDevelopment tokens (HS256 with JWT_SECRET, valid {args.token_days:g} days). "
        "Paste a line into GraphiQL's Headers:"
    )
    for user_id, username, role in summary.featured:
        token = mint(user_id, settings, admin=role == "admin", hours=args.token_days * 24)
        label = f"{username} ({role})" if role == "admin" else username
        print(f"  {label:<12} {json.dumps({'Authorization': f'Bearer {token}'})}")
    print("More: make token WHO=<username>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
