"""Rate-limit counters shared by every worker process of one server, with no daemon to run.

``limits`` (flask-limiter's storage layer) ships memory, memcached, redis and MongoDB storages;
memory is per process (so the limit was ``RATE_LIMIT`` x workers), the others need a service.
:class:`SQLiteStorage` is a ``limits`` storage (registered for the ``sqlite://`` scheme by
subclassing :class:`limits.storage.Storage`) that keeps fixed-window counters in one SQLite file
beside the database (``<instance>/ratelimit.db``, WAL mode), so all gunicorn workers count
together. Counters are ephemeral: ``synchronous=OFF``; an expired window restarts at the next hit.

URI: ``sqlite:////abs/path/ratelimit.db`` (``MT_AUDIT_RATE_LIMIT_STORAGE_URI``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from limits.storage import Storage

_SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expiry REAL NOT NULL)"


class SQLiteStorage(Storage):
    """Fixed-window counters in an SQLite file, safe across processes and threads."""

    STORAGE_SCHEME = ["sqlite"]  # noqa: RUF012 (limits declares it a plain attribute)
    PRUNE_EVERY: ClassVar[int] = 1000

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        path = uri.split("://", 1)[1]
        if not path or path == "/":
            raise ValueError(f"sqlite rate-limit storage needs a file path: {uri!r}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.timeout = float(options.get("timeout", 5.0))
        self._local = threading.local()
        self._hits = 0  # expired windows are pruned every PRUNE_EVERY hits of this process
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        with self._connection() as connection:
            connection.execute(_SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                         check_same_thread=True)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            self._local.connection = connection
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            row = connection.execute(
                "INSERT INTO counters (key, count, expiry) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET "
                "count = CASE WHEN counters.expiry <= ? THEN excluded.count ELSE counters.count + excluded.count END, "
                "expiry = CASE WHEN counters.expiry <= ? THEN excluded.expiry ELSE counters.expiry END "
                "RETURNING count",
                (key, amount, now + expiry, now, now),
            ).fetchone()
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        self._hits += 1
        if self._hits % self.PRUNE_EVERY == 0:
            self.prune()
        return int(row[0])

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT count FROM counters WHERE key = ? AND expiry > ?", (key, time.time())
        ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute(
            "SELECT expiry FROM counters WHERE key = ? AND expiry > ?", (key, time.time())
        ).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        cursor = self._connection().execute("DELETE FROM counters")
        return int(cursor.rowcount)

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))

    def prune(self) -> int:
        """Remove expired windows (the table holds one row per active key)."""
        cursor = self._connection().execute("DELETE FROM counters WHERE expiry <= ?", (time.time(),))
        return int(cursor.rowcount)
