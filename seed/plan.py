"""The plan of a seed: every row of the demo data, drawn in Python before it is written.

Users, follows, entries (logbook entries and dreams on each user's interests), conversations
up to six replies deep, resonances, amplifications and shares, spread over the last weeks
with the most recent activity densest, so trending has something in every window. The same
seed number, size and `now` give the same plan, ids included.

Who may reply to or interact with an entry is the API's visibility rule, asked of the
database (load.audiences) rather than copied here: the planner only draws among the
audience it is given.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from seed.corpus import (
    DREAM_AGENT,
    DREAM_ENDINGS,
    DREAM_EVENTS,
    DREAM_PLACES,
    DREAM_TITLES,
    FEATURED,
    FIRST_NAMES,
    JOBS,
    LAST_NAMES,
    LOCATIONS,
    MOODS,
    REPLIES,
    TOPICS,
)

USERS_PER_SIZE = 30

Audiences = Mapping[tuple[int, str], frozenset[int]]
"""Who may see an entry, by its author and its privacy: indices into the plan's users."""


@dataclass
class User:
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
class Entry:
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
    """Every row of a seed, drawn in Python; load.py writes them."""

    users: list[User] = field(default_factory=list)
    follows: list[tuple[int, int, datetime]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    resonances: list[tuple[int, int, datetime]] = field(default_factory=list)
    amplifications: list[tuple[int, int, datetime]] = field(default_factory=list)
    shares: list[int] = field(default_factory=list)  # entry ids, one per share


def _weighted_sample(
    rng: random.Random, items: Sequence[int], weights: Sequence[float], k: int
) -> list[int]:
    """k distinct items, heavier ones likelier (Efraimidis-Spirakis), deterministic."""
    keyed = sorted(
        ((rng.random() ** (1.0 / w), i) for i, w in zip(items, weights, strict=True)), reverse=True
    )
    return [i for _, i in keyed[:k]]


class Planner:
    """Draws a seed's rows in two steps: `people()` (users and follows), then, once the
    database has said who may see what among them, `activity()` (entries, replies and
    interactions). One random stream runs through both, so a seed number gives one plan."""

    def __init__(self, seed: int, size: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.plan = Plan()
        self.n_users = USERS_PER_SIZE * size
        self.audiences: Audiences = {}

    def people(self) -> Plan:
        """The users and who follows whom."""
        self._users()
        self._follows()
        return self.plan

    def activity(self, audiences: Audiences) -> Plan:
        """Entries, conversations and interactions, each by someone who may see its entry."""
        self.audiences = audiences
        self._entries()
        self._interactions()
        return self.plan

    def _between(self, start: datetime, end: datetime, skew: float = 1.0) -> datetime:
        """A time in [start, end), closer to start when skew > 1."""
        span = max((end - start).total_seconds(), 0.0)
        return start + timedelta(seconds=span * self.rng.random() ** skew)

    def _users(self) -> None:
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
                User(
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

    def _follows(self) -> None:
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

    def _post_time(self, author: int) -> datetime:
        # Most recent days densest: about 4% of posts in the last hour, 20% in the last day.
        age = timedelta(days=30 * self.rng.random() ** 2.2, minutes=1)
        return max(self.now - age, self.plan.users[author].created_at)

    def _privacy(self) -> str:
        roll = self.rng.random()
        return "public" if roll < 0.7 else "followers" if roll < 0.88 else "private"

    def _root(self, author: int) -> Entry:
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
            return Entry(
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
        return Entry(
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

    def _audience(self, entry: Entry) -> frozenset[int]:
        return self.audiences.get((entry.author, entry.privacy), frozenset())

    def _reply(self, parent_index: int, author: int) -> int | None:
        """A branch of the entry by `author`; None when there is no time left for one, or
        the author cannot see the entry."""
        rng, parent = self.rng, self.plan.entries[parent_index]
        earliest = parent.created_at + timedelta(minutes=2)
        if earliest >= self.now or author not in self._audience(parent):
            return None
        created = self._between(earliest, min(self.now, earliest + timedelta(hours=30)), 2.0)
        # A reply is no more public than what it answers.
        privacy = (
            parent.privacy if parent.privacy != "public" or rng.random() < 0.85 else "followers"
        )
        self.plan.entries.append(
            Entry(
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

    def _repliers(self, entry: Entry) -> list[int]:
        return sorted(self._audience(entry))

    def _entries(self) -> None:
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

    def _interactions(self) -> None:
        rng, users, plan = self.rng, self.plan.users, self.plan
        weights = [u.weight for u in users]
        for entry in plan.entries:
            audience = sorted(self._audience(entry) - {entry.author})
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
