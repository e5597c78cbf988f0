"""Processes writing one SQLite file take turns through a lock file (bot/store/writes.py):
a write waits for another process's write to end, a read never waits, a dead writer's turn is
freed, and threads of one process writing at once all get through."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.store.database import make_engine
from bot.store.writes import CrossProcessWrites

# A second process: opens the database the tykbot way, starts a write, says so, and ends it
# (commit) when told to on stdin; "hang" leaves it open until killed.
WRITER = """
import sys
from sqlalchemy import create_engine, text
from bot.store.database import make_engine
engine = make_engine(sys.argv[1])
with engine.connect() as conn:
    conn.execute(text("INSERT INTO t (x) VALUES ('other process')"))
    print("writing", flush=True)
    if sys.stdin.readline().strip() == "commit":
        conn.commit()
print("done", flush=True)
"""


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
    engine.dispose()
    return url


@pytest.fixture
def other_writer(database: str) -> Iterator[subprocess.Popen[str]]:
    """A second process in the middle of a write to the database."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, database],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    yield proc
    proc.kill()
    proc.wait(10)


def turn_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///") + "-turn")


def test_a_write_waits_for_another_process_write_and_goes_once_it_is_committed(
    database: str, other_writer: subprocess.Popen[str]
) -> None:
    mine = CrossProcessWrites(turn_file(database), patience=0.3)
    assert not mine.acquire()  # the other process holds the turn for its write
    assert other_writer.stdin is not None and other_writer.stdout is not None
    other_writer.stdin.write("commit\n")
    other_writer.stdin.flush()
    assert other_writer.stdout.readline().strip() == "done"
    assert mine.acquire()  # its commit gave the turn back
    mine.release()
    engine = make_engine(database)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (x) VALUES ('this process')"))
        rows = conn.execute(text("SELECT x FROM t ORDER BY x")).scalars().all()
    assert rows == ["other process", "this process"]


def test_reading_needs_no_turn_while_another_process_writes(
    database: str, other_writer: subprocess.Popen[str]
) -> None:
    engine = make_engine(database, busy_timeout=60)  # a read waiting for a turn would hang
    counted: list[int] = []

    def read() -> None:
        with engine.connect() as conn:  # WAL: the reader sees the last commit, at once
            counted.append(conn.execute(text("SELECT count(*) FROM t")).scalar_one())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    assert counted == [0]
    assert not CrossProcessWrites(turn_file(database), patience=0.1).acquire()


def test_a_killed_writer_gives_its_turn_back(
    database: str, other_writer: subprocess.Popen[str]
) -> None:
    mine = CrossProcessWrites(turn_file(database), patience=0.2)
    assert not mine.acquire()
    other_writer.kill()
    other_writer.wait(10)
    mine.patience = 5.0
    assert mine.acquire()
    mine.release()


def test_threads_of_one_process_writing_at_once_all_get_through(database: str) -> None:
    # No busy wait in SQLite at all: a write that met another's lock would fail at once.
    engine = create_engine(database, connect_args={"timeout": 0, "check_same_thread": False})
    CrossProcessWrites(turn_file(database), patience=10).watch(engine)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": f"{n}-{i}"})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 160


def test_an_invalidated_connection_gives_its_turn_back(database: str) -> None:
    engine = make_engine(database)
    conn = engine.connect()
    conn.execute(text("INSERT INTO t (x) VALUES ('lost')"))
    other = CrossProcessWrites(turn_file(database), patience=0.2)  # as another process would
    assert not other.acquire()
    conn.invalidate()  # the connection broke mid-transaction: its write is gone, and its turn
    assert other.acquire()
    other.release()
    conn.close()
