"""The words of the demo data: names, places, topics, dreams and replies to draw from.

Changing any of them changes what every seed number gives (the rows are drawn from these
lists in order).
"""

from __future__ import annotations

from dataclasses import dataclass

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
