"""Glossaries the API knows: built-in (shipped files, read-only) and uploaded (in the database).

Built-in glossaries are parsed once per process at start; their id is the file
stem. Uploaded ones are stored as sent (the file's bytes) and parsed on first use;
parsed copies are kept in a bounded cache keyed by (id, created_at), so a glossary
deleted and uploaded again under the same id is never served stale by a worker.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from audit.errors import GlossaryError
from audit.glossary import (
    Glossary,
    GlossaryEntry,
    default_glossary_dir,
    glossary_files,
    load_glossary,
    parse_glossary,
)

from ..errors import ApiError
from ..storage import Database, GlossaryRecord
from ..storage.models import utcnow
from ..timefmt import iso

_ID_OK = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def slug(text: str) -> str:
    out = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return out[:56]


def _pair(glossary: Glossary) -> tuple[str | None, str | None]:
    pairs = glossary.language_pairs
    if len(pairs) == 1:
        return next(iter(pairs))
    sources = {s for s, _ in pairs}
    targets = {t for _, t in pairs}
    return (
        next(iter(sources)) if len(sources) == 1 else None,
        next(iter(targets)) if len(targets) == 1 else None,
    )


def entry_dict(entry: GlossaryEntry) -> dict[str, Any]:
    row: dict[str, Any] = entry.as_row()
    row["deprecated"] = list(entry.deprecated)
    row["admitted"] = list(entry.admitted)
    return row


@dataclass(frozen=True, slots=True)
class LoadedGlossary:
    """A glossary ready for the matcher, with the version that identifies it in caches."""

    id: str
    version: str
    glossary: Glossary


@dataclass(frozen=True, slots=True)
class BuiltinGlossary:
    id: str
    path: Path
    glossary: Glossary

    def info(self) -> dict[str, Any]:
        src, tgt = _pair(self.glossary)
        return {
            "id": self.id,
            "name": self.id,
            "filename": self.path.name,
            "format": self.path.suffix.lower().lstrip("."),
            "builtin": True,
            "entry_count": len(self.glossary),
            "src_lang": src,
            "tgt_lang": tgt,
            "uploaded_by": None,
            "created_at": None,
        }


def record_info(record: GlossaryRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "filename": record.filename,
        "format": record.format,
        "builtin": False,
        "entry_count": record.entry_count,
        "src_lang": record.src_lang,
        "tgt_lang": record.tgt_lang,
        "uploaded_by": record.uploaded_by,
        "created_at": iso(record.created_at),
    }


class GlossaryService:
    def __init__(self, db: Database, directory: str | Path | None = None, cache_size: int = 32) -> None:
        self.db = db
        folder = Path(directory) if directory else default_glossary_dir()
        files = glossary_files(folder) if folder.is_dir() else []
        self.builtins: dict[str, BuiltinGlossary] = {}
        for path in files:
            self.builtins[path.stem] = BuiltinGlossary(path.stem, path, load_glossary(path))
        self._cache: OrderedDict[tuple[str, str], Glossary] = OrderedDict()
        self._cache_size = max(1, cache_size)
        self._lock = threading.Lock()

    # --- reading ---------------------------------------------------------------------
    def builtin_loaded(self) -> list[LoadedGlossary]:
        return [LoadedGlossary(g.id, "builtin", g.glossary) for g in self.builtins.values()]

    def all(self) -> list[dict[str, Any]]:
        out = [g.info() for g in self.builtins.values()]
        with self.db.session() as session:
            records = session.scalars(select(GlossaryRecord).order_by(GlossaryRecord.created_at, GlossaryRecord.id))
            out.extend(record_info(r) for r in records)
        return out

    def info(self, glossary_id: str) -> dict[str, Any] | None:
        builtin = self.builtins.get(glossary_id)
        if builtin is not None:
            return builtin.info()
        with self.db.session() as session:
            record = session.get(GlossaryRecord, glossary_id)
            return record_info(record) if record is not None else None

    def load(self, ids: Sequence[str], field: str = "glossaries") -> list[LoadedGlossary]:
        """Resolve ids (built-in or uploaded) to parsed glossaries; 422 naming an unknown one."""
        out: list[LoadedGlossary] = []
        wanted = [i for i in ids if i not in self.builtins]
        versions: dict[str, datetime] = {}
        if wanted:
            with self.db.session() as session:
                rows = session.execute(
                    select(GlossaryRecord.id, GlossaryRecord.created_at).where(GlossaryRecord.id.in_(wanted))
                )
                versions = {row.id: row.created_at for row in rows}
        for index, glossary_id in enumerate(ids):
            builtin = self.builtins.get(glossary_id)
            if builtin is not None:
                out.append(LoadedGlossary(glossary_id, "builtin", builtin.glossary))
                continue
            if glossary_id not in versions:
                raise ApiError(422, "unknown_glossary", f"no glossary with id {glossary_id!r}", f"{field}[{index}]")
            version = iso(versions[glossary_id]) or ""
            out.append(LoadedGlossary(glossary_id, version, self._parsed(glossary_id, version)))
        return out

    def get(self, glossary_id: str) -> LoadedGlossary | None:
        try:
            return self.load([glossary_id])[0]
        except ApiError:
            return None

    def _parsed(self, glossary_id: str, version: str) -> Glossary:
        key = (glossary_id, version)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        with self.db.session() as session:
            record = session.get(GlossaryRecord, glossary_id)
            if record is None:
                raise ApiError(404, "not_found", f"no glossary with id {glossary_id!r}")
            glossary = parse_glossary(record.content, record.filename)
        with self._lock:
            self._cache[key] = glossary
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return glossary

    # --- changing --------------------------------------------------------------------
    def create(
        self,
        content: bytes,
        filename: str,
        *,
        glossary_id: str | None,
        name: str | None,
        uploaded_by: int | None,
    ) -> dict[str, Any]:
        suffix = Path(filename).suffix.lower()
        try:
            glossary = parse_glossary(content, filename)
        except GlossaryError as exc:
            raise ApiError(422, "invalid_glossary", exc.describe(), "file") from None
        except RecursionError:
            raise ApiError(422, "invalid_glossary", f"{filename}: XML nested too deeply", "file") from None
        if not glossary.entries:
            raise ApiError(422, "invalid_glossary", f"{filename}: the glossary has no entries", "file")
        explicit = glossary_id is not None
        base = glossary_id if explicit else (slug(Path(filename).stem) or "glossary")
        assert base is not None
        if explicit and not _ID_OK.match(base):
            raise ApiError(
                422, "invalid_field", "must be lowercase letters, digits, '.', '_' or '-' (at most 64)", "id"
            )
        src, tgt = _pair(glossary)
        for attempt in range(1, 50):
            candidate = base if attempt == 1 else f"{base}-{attempt}"
            if candidate in self.builtins:
                if explicit:
                    raise ApiError(409, "conflict", f"{candidate!r} is a built-in glossary", "id")
                continue
            record = GlossaryRecord(
                id=candidate,
                name=(name or candidate)[:200],
                filename=Path(filename).name[:255],
                format=suffix.lstrip("."),
                src_lang=src,
                tgt_lang=tgt,
                entry_count=len(glossary),
                uploaded_by=uploaded_by,
                created_at=utcnow(),
                content=content,
            )
            try:
                with self.db.session() as session:
                    session.add(record)
            except IntegrityError:
                if explicit:
                    raise ApiError(409, "conflict", f"a glossary with id {candidate!r} exists", "id") from None
                continue
            return record_info(record)
        raise ApiError(409, "conflict", f"too many glossaries named {base!r}; give an id", "id")

    def delete(self, glossary_id: str) -> bool:
        if glossary_id in self.builtins:
            raise ApiError(409, "read_only", f"{glossary_id!r} is a built-in glossary and cannot be deleted")
        with self.db.session() as session:
            record = session.get(GlossaryRecord, glossary_id)
            if record is None:
                return False
            session.delete(record)
        with self._lock:
            for key in [k for k in self._cache if k[0] == glossary_id]:
                del self._cache[key]
        return True
