"""A replica's lag from the primary's WAL positions (db/replica_lag.py), and how long a
viewer's reads stay on the primary after its write (resolvers/own_writes.py)."""

from __future__ import annotations

import time
import uuid

import pytest

from db.replica_lag import PrimaryPositions
from db.replicas import probe_interval
from resolvers.own_writes import OwnWrites


def test_a_replica_that_replayed_every_position_noted_is_not_behind() -> None:
    positions = PrimaryPositions(keep_seconds=10)
    positions.note(100.0, 5_000)
    positions.note(101.0, 5_000)  # a quiet primary: its position does not move
    assert positions.lag_seconds(replayed=5_000, now=160.0) == 0.0


def test_the_lag_dates_from_the_first_position_the_replica_has_not_reached() -> None:
    positions = PrimaryPositions(keep_seconds=10)
    for at, position in [(100.0, 1_000), (101.0, 2_000), (102.0, 3_000)]:
        positions.note(at, position)
    assert positions.lag_seconds(replayed=1_500, now=102.5) == pytest.approx(1.5)
    assert positions.lag_seconds(replayed=2_000, now=102.5) == pytest.approx(0.5)


def test_a_replica_behind_every_position_kept_is_as_far_behind_as_the_oldest() -> None:
    positions = PrimaryPositions(keep_seconds=2)
    for at in range(100, 106):
        positions.note(float(at), 1_000 * at)
    # Only the last 2 s are kept: 103, 104 and 105.
    assert positions.lag_seconds(replayed=0, now=105.0) == pytest.approx(2.0)


def test_the_probe_runs_four_times_within_the_bound_at_most_once_a_second() -> None:
    assert probe_interval(200) == pytest.approx(0.05)
    assert probe_interval(100) == pytest.approx(0.05)
    assert probe_interval(60_000) == pytest.approx(1.0)


def test_a_viewer_who_wrote_is_recent_for_the_window_only() -> None:
    own_writes = OwnWrites(window_seconds=0.05)
    writer, other = uuid.uuid4(), uuid.uuid4()
    own_writes.wrote(writer)
    assert own_writes.recent(writer)
    assert not own_writes.recent(other)
    time.sleep(0.06)
    assert not own_writes.recent(writer)


def test_without_replicas_no_write_is_remembered() -> None:
    own_writes = OwnWrites(window_seconds=0.0)
    writer = uuid.uuid4()
    own_writes.wrote(writer)
    assert not own_writes.recent(writer)
