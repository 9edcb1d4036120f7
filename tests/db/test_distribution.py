"""What would not distribute over Citus as the schema stands (README, "Running on Citus").

The layout the README proposes is declared once here: the tables distributed by an entry's
id, all in one co-location group with stream_entries, the reference tables, and the tables
that stay on the coordinator. What each trigger touches beyond its own row is declared here
too, and checked against the function's source, so a trigger cannot change what it writes
unseen. From the catalog of a migrated database and these declarations the test computes
what Citus would refuse or could not keep local, by the rules of Citus's documentation:

- a primary key or unique index of a distributed table must hold its distribution column;
- a foreign key between distributed tables must join their distribution columns (and the
  tables be co-located); one from a distributed table to a reference table is fine; one from
  a reference or local table to a distributed table is not supported;
- a row trigger on a distributed table (with `citus.enable_unsafe_triggers`) may only touch
  co-located rows of the same distribution value: anything else is a distributed query
  from a shard, which Citus refuses; a trigger on a reference table runs on every copy and
  may not write other tables at all;
- a column filled by a sequence must be a bigint (workers' sequences carry the node's id).

The list must equal the README's, item for item, so neither can go stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Running on Citus"


@dataclass(frozen=True)
class Distributed:
    """Hash-distributed by `column`, co-located with stream_entries (the one group)."""

    column: str

    noun = "a distributed table"

    def __str__(self) -> str:
        return f"distributed by `{self.column}`"


@dataclass(frozen=True)
class Reference:
    """One shard, copied to every node."""

    noun = "a reference table"

    def __str__(self) -> str:
        return "reference table"


@dataclass(frozen=True)
class Local:
    """An ordinary table (or materialized view) of the coordinator, read and written there."""

    noun = "a local table"

    def __str__(self) -> str:
        return "local, on the coordinator"


Placement = Distributed | Reference | Local

# The layout the README proposes (its table is checked against this one).
LAYOUT: dict[str, Placement] = {
    "stream_entries": Distributed("id"),
    "entry_interaction_counts": Distributed("entry_id"),
    "user_resonances": Distributed("entry_id"),
    "user_amplifications": Distributed("entry_id"),
    "entry_branches": Distributed("parent_entry_id"),
    "counter_outbox": Distributed("entry_id"),
    "users": Reference(),
    "user_follows": Reference(),
    "trending_entries": Local(),
    "trending_refreshes": Local(),
}

# yoyo's bookkeeping: local tables of the coordinator, outside the design.
YOYO = {"_yoyo_log", "_yoyo_migration", "_yoyo_version", "yoyo_lock"}


@dataclass(frozen=True)
class Touch:
    """A trigger `verb`s rows of `table` whose `column` equals the firing row's `by` (None:
    rows not found by a column of the firing row)."""

    verb: str
    table: str
    column: str | None
    by: str | None


@dataclass(frozen=True)
class Trigger:
    table: str
    function: str
    touches: tuple[Touch, ...] = ()


def _publishes(column: str | None, by: str | None) -> Touch:
    """publish_change: an outbox row (or a pg_notify) for the changed row."""
    return Touch("writes", "counter_outbox", column, by)


_BRANCH_LINK = (
    Touch("locks", "stream_entries", "id", "parent_id"),
    Touch("writes", "entry_branches", "parent_entry_id", "parent_id"),
)

# Every trigger of ours, and what it touches when it fires besides its own row.
TRIGGERS: dict[str, Trigger] = {
    "create_entry_interaction_counts_trigger": Trigger(
        "stream_entries",
        "create_entry_interaction_counts",
        (Touch("writes", "entry_interaction_counts", "entry_id", "id"),),
    ),
    "sync_entry_branch_insert_trigger": Trigger(
        "stream_entries", "sync_entry_branch", _BRANCH_LINK
    ),
    "sync_entry_branch_update_trigger": Trigger(
        "stream_entries",
        "sync_entry_branch",
        (Touch("deletes", "entry_branches", "child_entry_id", "id"), *_BRANCH_LINK),
    ),
    "notify_entry_deleted_trigger": Trigger(
        "stream_entries", "notify_entry_recheck", (_publishes("entry_id", "id"),)
    ),
    "notify_entry_privacy_trigger": Trigger(
        "stream_entries", "notify_entry_recheck", (_publishes("entry_id", "id"),)
    ),
    "resonance_count_trigger": Trigger(
        "user_resonances",
        "update_resonance_count",
        (
            Touch("writes", "entry_interaction_counts", "entry_id", "entry_id"),
            Touch("reads", "stream_entries", "id", "entry_id"),
        ),
    ),
    "trigger_amplification_count_update": Trigger(
        "user_amplifications",
        "update_amplification_count",
        (
            Touch("writes", "entry_interaction_counts", "entry_id", "entry_id"),
            Touch("reads", "stream_entries", "id", "entry_id"),
        ),
    ),
    "trigger_branch_count_update": Trigger(
        "entry_branches",
        "update_branch_count",
        (
            Touch("writes", "entry_interaction_counts", "entry_id", "parent_entry_id"),
            Touch("reads", "stream_entries", "id", "parent_entry_id"),
        ),
    ),
    "bump_entry_counts_version_trigger": Trigger(
        "entry_interaction_counts", "bump_entry_counts_version"
    ),
    "notify_entry_counts_trigger": Trigger(
        "entry_interaction_counts", "notify_entry_counts", (_publishes("entry_id", "entry_id"),)
    ),
    "update_follow_counts_trigger": Trigger(
        "user_follows",
        "update_follow_counts",
        (
            Touch("writes", "users", "id", "follower_id"),
            Touch("writes", "users", "id", "followed_id"),
        ),
    ),
    "notify_unfollow_recheck_trigger": Trigger(
        "user_follows",
        "notify_unfollow_recheck",
        (Touch("reads", "stream_entries", "user_id", "followed_id"), _publishes(None, None)),
    ),
    "bump_user_counts_version_trigger": Trigger("users", "bump_user_counts_version"),
    "notify_user_counts_trigger": Trigger("users", "notify_user_counts", (_publishes(None, "id"),)),
    "notify_user_deleted_trigger": Trigger(
        "users", "notify_user_recheck", (_publishes(None, "id"),)
    ),
}


@pytest.fixture
def catalog(database_url: str) -> Iterator[psycopg.Connection]:
    """A connection to the migrated database, in a transaction rolled back at the end: a
    test may change the schema to see the list follow."""
    with psycopg.connect(database_url) as conn:
        yield conn
        conn.rollback()


def _ours(alias: str) -> str:
    """The tables and materialized views of the design, partitions left out (Citus
    distributes a partitioned table with its partitions)."""
    return (
        f"{alias}.relnamespace = 'public'::regnamespace AND {alias}.relkind IN ('r', 'p', 'm')"
        f" AND NOT {alias}.relispartition"
    )


def relations(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute(f"SELECT c.relname FROM pg_class c WHERE {_ours('c')}").fetchall()
    return {r[0] for r in rows} - YOYO


def _columns(conn: psycopg.Connection, table: str, attnums: list[int]) -> list[str]:
    names: dict[int, str] = dict(
        conn.execute(
            "SELECT attnum, attname FROM pg_attribute WHERE attrelid = %s::regclass",
            (table,),
        ).fetchall()
    )
    return [names.get(n, "(an expression)") for n in attnums]


def _column_type(conn: psycopg.Connection, table: str, column: str) -> str | None:
    row = conn.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attname = %s AND NOT attisdropped",
        (table, column),
    ).fetchone()
    return None if row is None else str(row[0])


def key_problems(conn: psycopg.Connection) -> list[str]:
    """Primary keys and unique indexes of distributed tables that lack the distribution
    column; distribution columns missing or of another type than the group's."""
    problems = []
    group_type = _column_type(conn, "stream_entries", "id")
    for table, placement in LAYOUT.items():
        if not isinstance(placement, Distributed):
            continue
        column_type = _column_type(conn, table, placement.column)
        if column_type is None:
            problems.append(f"{table}: no column {placement.column} to distribute by")
        elif column_type != group_type:
            problems.append(
                f"{table}: {placement.column} is {column_type}, not {group_type} as"
                " stream_entries.id (co-location needs one type)"
            )
        indexes = conn.execute(
            """
            SELECT i.indisprimary, con.contype IS NOT NULL AS is_constraint,
                   ic.relname, i.indkey::int2[]::int[]
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
            WHERE i.indrelid = %s::regclass AND i.indisunique
            ORDER BY ic.relname
            """,
            (table,),
        ).fetchall()
        for primary, is_constraint, name, attnums in indexes:
            columns = _columns(conn, table, list(attnums))
            if placement.column in columns:
                continue
            what = (
                "primary key" if primary else "unique" if is_constraint else f"unique index {name}"
            )
            problems.append(f"{table}: {what} ({', '.join(columns)}) lacks {placement.column}")
    return problems


def foreign_key_problems(conn: psycopg.Connection) -> list[str]:
    """Foreign keys Citus does not support between the layout's tables."""
    problems = []
    rows = conn.execute(
        f"""
        SELECT c.conrelid::regclass::text, c.conkey::int[], c.confrelid::regclass::text,
               c.confkey::int[]
        FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
        WHERE c.contype = 'f' AND c.conparentid = 0 AND {_ours("r")}
        ORDER BY 1, c.conname
        """
    ).fetchall()
    for table, keys, target, target_keys in rows:
        columns = _columns(conn, table, keys)
        target_columns = _columns(conn, target, target_keys)
        source, dest = LAYOUT[table], LAYOUT[target]
        fk = (
            f"{table}: foreign key ({', '.join(columns)}) -> {target} ({', '.join(target_columns)})"
        )
        if isinstance(dest, Reference):
            continue  # from any table to a reference table: supported
        if isinstance(dest, Distributed):
            if not isinstance(source, Distributed):
                problems.append(f"{fk}: from {source.noun} to a distributed table")
            elif (source.column, dest.column) not in zip(columns, target_columns, strict=True):
                problems.append(f"{fk} is not on the distribution columns")
        elif not isinstance(source, Local):
            problems.append(f"{fk}: from {source.noun} to a local table")
    return problems


def sequence_problems(conn: psycopg.Connection) -> list[str]:
    """Columns of Citus tables filled by a sequence that are narrower than bigint."""
    rows = conn.execute(
        f"""
        SELECT r.relname, a.attname, format_type(a.atttypid, a.atttypmod)
        FROM pg_attribute a
        JOIN pg_class r ON r.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE {_ours("r")} AND a.attnum > 0 AND NOT a.attisdropped
          AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%')
          AND a.atttypid <> 'bigint'::regtype
        ORDER BY 1, 2
        """
    ).fetchall()
    return [
        f"{table}.{column}: a {type_} filled by a sequence (Citus needs bigint)"
        for table, column, type_ in rows
        if not isinstance(LAYOUT.get(table), Local)
    ]


def triggers(conn: psycopg.Connection) -> dict[str, tuple[str, str]]:
    """Every trigger of ours (not constraint triggers, not partitions' clones): its table
    and function."""
    rows = conn.execute(
        f"""
        SELECT t.tgname, r.relname, p.proname
        FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND {_ours("r")}
        """
    ).fetchall()
    return {name: (table, function) for name, table, function in rows}


def tables_named_by(conn: psycopg.Connection, function: str) -> set[str]:
    """The layout's tables a function's source names, through the functions of ours it
    calls."""
    sources: dict[str, str] = dict(
        conn.execute(
            "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
        ).fetchall()
    )
    named: set[str] = set()
    seen: set[str] = set()
    todo = [function]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = sources[name]
        named |= {t for t in LAYOUT if re.search(rf"\b{t}\b", source)}
        todo += [f for f in sources if re.search(rf"\b{f}\s*\(", source)]
    return named


def trigger_problems(conn: psycopg.Connection) -> list[str]:
    """What each trigger touches that its shard does not hold."""
    problems = []
    for name, trigger in TRIGGERS.items():
        source = LAYOUT[trigger.table]
        fired = f"trigger {name} on {trigger.table}"
        for touch in trigger.touches:
            target = LAYOUT[touch.table]
            what = f"{touch.verb} {touch.table}"
            if isinstance(source, Reference):
                problems.append(f"{fired}, a reference table, {what}")
            elif isinstance(source, Local):
                continue  # the coordinator's own: any statement may run there
            elif not isinstance(target, Distributed):
                problems.append(f"{fired} {what}, {target.noun}, from a shard")
            elif touch.column != target.column:
                problems.append(f"{fired} {what} on every shard")
            elif touch.by != source.column:
                problems.append(f"{fired} {what} on another shard")
    return problems


def undistributable(conn: psycopg.Connection) -> list[str]:
    return sorted(
        set(
            key_problems(conn)
            + foreign_key_problems(conn)
            + sequence_problems(conn)
            + trigger_problems(conn)
        )
    )


def readme_section() -> str:
    text = README.read_text()
    start = text.index(f"\n{SECTION}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def readme_list() -> list[str]:
    """The README's list: the one ```text block of its section, a line an item."""
    blocks = re.findall(r"```text\n(.*?)```", readme_section(), re.S)
    assert len(blocks) == 1, "the section should hold one ```text block: the list"
    return [line for line in blocks[0].splitlines() if line.strip()]


def readme_layout() -> dict[str, str]:
    """The README's layout table: `| \\`table\\` | placement |` rows."""
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", readme_section(), re.M)
    return dict(rows)


def test_the_layout_places_every_table_and_materialized_view(
    catalog: psycopg.Connection,
) -> None:
    assert relations(catalog) == set(LAYOUT)


def test_every_trigger_is_declared_with_its_table_and_function(
    catalog: psycopg.Connection,
) -> None:
    assert triggers(catalog) == {name: (t.table, t.function) for name, t in TRIGGERS.items()}


@pytest.mark.parametrize("name", sorted(TRIGGERS))
def test_a_trigger_s_declared_touches_are_the_tables_its_function_names(
    catalog: psycopg.Connection, name: str
) -> None:
    trigger = TRIGGERS[name]
    declared = {touch.table for touch in trigger.touches}
    assert tables_named_by(catalog, trigger.function) == declared


def test_what_would_not_distribute_is_the_readme_s_list(catalog: psycopg.Connection) -> None:
    assert undistributable(catalog) == readme_list()


def test_the_readme_s_layout_table_is_the_declared_layout() -> None:
    assert readme_layout() == {table: str(placement) for table, placement in LAYOUT.items()}


def test_a_unique_key_without_the_distribution_column_is_listed(
    catalog: psycopg.Connection,
) -> None:
    before = set(undistributable(catalog))
    catalog.execute("ALTER TABLE stream_entries ADD CONSTRAINT by_time UNIQUE (created_at)")
    catalog.execute("CREATE UNIQUE INDEX counts_by_version ON entry_interaction_counts (version)")
    catalog.execute("ALTER TABLE users ADD CONSTRAINT by_email UNIQUE (email)")  # a reference
    assert set(undistributable(catalog)) - before == {
        "stream_entries: unique (created_at) lacks id",
        "entry_interaction_counts: unique index counts_by_version (version) lacks entry_id",
    }


def test_a_foreign_key_off_the_distribution_columns_is_listed(
    catalog: psycopg.Connection,
) -> None:
    before = set(undistributable(catalog))
    catalog.execute("ALTER TABLE user_follows ADD COLUMN entry_id bigint REFERENCES stream_entries")
    catalog.execute(
        "ALTER TABLE user_resonances ADD COLUMN quoted bigint REFERENCES stream_entries"
    )
    catalog.execute(  # on entry_id: co-located
        "ALTER TABLE user_amplifications ADD FOREIGN KEY (user_id, entry_id)"
        " REFERENCES user_resonances (user_id, entry_id)"
    )
    assert set(undistributable(catalog)) - before == {
        "user_follows: foreign key (entry_id) -> stream_entries (id): from a reference table"
        " to a distributed table",
        "user_resonances: foreign key (quoted) -> stream_entries (id) is not on the distribution"
        " columns",
    }


def test_a_narrow_sequence_column_is_listed(catalog: psycopg.Connection) -> None:
    before = set(undistributable(catalog))
    catalog.execute("ALTER TABLE entry_branches ADD COLUMN n serial")
    catalog.execute("ALTER TABLE trending_refreshes ADD COLUMN n serial")  # local: fine
    assert set(undistributable(catalog)) - before == {
        "entry_branches.n: a integer filled by a sequence (Citus needs bigint)"
    }


def test_a_new_trigger_must_be_declared(catalog: psycopg.Connection) -> None:
    catalog.execute(
        "CREATE TRIGGER stray AFTER INSERT ON user_resonances"
        " FOR EACH ROW EXECUTE FUNCTION update_resonance_count()"
    )
    declared = {name: (t.table, t.function) for name, t in TRIGGERS.items()}
    assert triggers(catalog) == {**declared, "stray": ("user_resonances", "update_resonance_count")}


def test_a_trigger_function_naming_another_table_is_seen(catalog: psycopg.Connection) -> None:
    catalog.execute(
        """
        CREATE OR REPLACE FUNCTION update_resonance_count() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE users SET stats = stats WHERE id = NEW.user_id;
            RETURN NULL;
        END
        $$
        """
    )
    assert tables_named_by(catalog, "update_resonance_count") == {"users"}
