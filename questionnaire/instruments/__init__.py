"""Instruments as data: the one place where an instrument is read.

An instrument is an XLSForm file (`xlsform.py` reads and validates it; docs/instruments.md says
what is supported). Publishing a file stores its content as a new `instrument_version` row (the
definition as JSON and one `instrument_item` row per item, which the answers' foreign key checks
against); the same content again is a no-op. The files in `files/` (SKAPA, the NNS forms) are
shipped with Stegvis and published by `init-db` like any other.

Everything else asks this module: `get(key, version)`, `published()`, `version_row()`. Nothing
outside it tests for a particular instrument key.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from flask import g, has_app_context

from questionnaire.extensions import db
from questionnaire.instruments.base import Instrument, Item, Label, Scale, ShowIf, Step
from questionnaire.instruments.xlsform import FormErrors, build, checksum, read, write
from questionnaire.models import InstrumentItem, InstrumentVersion

__all__ = ["FILES", "FormErrors", "Instrument", "Item", "Label", "Scale", "ShowIf", "Step",
           "export_file", "for_participants", "get", "publish", "published", "rated_by_handledare",
           "read",
           "sync_shipped", "version_row"]

#: The instrument files shipped with Stegvis.
FILES = Path(__file__).resolve().parent / "files"

#: Built instruments by (key, version, checksum): a version's content never changes, so every
#: process may keep what it has built (this is a cache of immutable data, not state).
_built: dict[tuple[str, int, str], Instrument] = {}


def from_row(row: InstrumentVersion) -> Instrument:
    """The Instrument of a stored version (built once per process)."""
    cache_key = (row.instrument, row.version, row.checksum)
    inst = _built.get(cache_key)
    if inst is None:
        if row.definition is None:  # a version from before 0004 that init-db has not filled
            sync_shipped()
        inst = build(json.loads(row.definition), row.version)
        _built[cache_key] = inst
    return inst


def _rows(key: str | None = None) -> list[InstrumentVersion]:
    query = sa.select(InstrumentVersion).order_by(InstrumentVersion.instrument,
                                                   InstrumentVersion.version)
    if key is not None:
        query = query.where(InstrumentVersion.instrument == key)
    return list(db.session.scalars(query))


def get(key: str, version: int | None = None) -> Instrument:
    """An instrument version; the newest when no version is given. KeyError if unknown."""
    query = sa.select(InstrumentVersion).where(InstrumentVersion.instrument == key)
    if version is None:
        query = query.order_by(InstrumentVersion.version.desc()).limit(1)
    else:
        query = query.where(InstrumentVersion.version == version)
    row = db.session.scalar(query)
    if row is None:
        if _ensure_shipped():
            return get(key, version)
        raise KeyError(key if version is None else f"{key}@{version}")
    return from_row(row)


def _order(inst: Instrument) -> tuple:
    """Self-ratings first (they open a meeting), then the group surveys, then the forms that
    professionals answer; by key."""
    return (not inst.individual_results, not inst.for_participants, inst.key)


def published() -> list[Instrument]:
    """The newest version of every instrument, in the order they are given at one timepoint."""
    if has_app_context() and "instruments_published" in g:
        return g.instruments_published
    newest: dict[str, InstrumentVersion] = {}
    for row in _rows():
        newest[row.instrument] = row
    if not newest and _ensure_shipped():
        return published()
    found = sorted((from_row(r) for r in newest.values()), key=_order)
    if has_app_context():
        g.instruments_published = found
    return found


def for_participants() -> list[Instrument]:
    """The newest version of every instrument that participants answer (what a schedule may
    give); professional forms are answered anonymously in survey rounds or on paper."""
    return [i for i in published() if i.for_participants]


def rated_by_handledare() -> list[Instrument]:
    """The newest version of every form that the handledare fills in about a participant (e.g.
    the BIP rating), at the participant's timepoints; staff see it, the participant never."""
    return [i for i in published() if i.rated_by_handledare]


def versions(key: str) -> list[Instrument]:
    """Every version of an instrument, oldest first."""
    return [from_row(r) for r in _rows(key)]


def order_key(key: str) -> tuple:
    """Sort key for instrument keys (unknown keys last)."""
    keys = [i.key for i in published()]
    return (keys.index(key) if key in keys else len(keys), key)


def version_row(inst: Instrument) -> InstrumentVersion:
    row = db.session.scalar(
        sa.select(InstrumentVersion).filter_by(instrument=inst.key, version=inst.version)
    )
    if row is None:
        raise KeyError(f"{inst.key}@{inst.version}")
    return row


def publish(definition: dict) -> tuple[Instrument, bool]:
    """Store a definition as the next version of its instrument (flushes; the caller commits).

    Returns the instrument and whether a version was added: content that an existing version
    already has is a no-op (that version is returned).
    """
    key = definition["settings"]["form_id"]
    digest = checksum(definition)
    rows = _rows(key)
    for row in rows:
        if row.checksum == digest:
            return from_row(row), False
    version = max((r.version for r in rows), default=0) + 1
    inst = build(definition, version)
    db.session.add(InstrumentVersion(
        instrument=key, version=version, checksum=digest,
        definition=json.dumps(definition, ensure_ascii=False, sort_keys=True),
        items=[InstrumentItem(key=i.key, position=n, scale_min=i.scale_min,
                              scale_max=i.scale_max)
               for n, i in enumerate(inst.items)],
    ))
    db.session.flush()
    g.pop("instruments_published", None) if has_app_context() else None
    return inst, True


def export_file(key: str, version: int | None = None) -> bytes:
    """A stored version as an XLSForm workbook; adding it again is a no-op."""
    inst = get(key, version)
    return write(inst.definition, inst.version)


def sync_shipped() -> list[tuple[Instrument, bool]]:
    """Publish the shipped files (init-db; flushes). A version stored before instruments were
    files (definition empty) gets its definition from the file of the same key."""
    done = []
    for path in sorted(FILES.glob("*.xlsx")):
        definition = read(path.read_bytes())
        key = definition["settings"]["form_id"]
        legacy = db.session.scalar(
            sa.select(InstrumentVersion).where(InstrumentVersion.instrument == key,
                                               InstrumentVersion.definition.is_(None))
            .order_by(InstrumentVersion.version).limit(1)
        )
        if legacy is not None:
            legacy.definition = json.dumps(definition, ensure_ascii=False, sort_keys=True)
            legacy.checksum = checksum(definition)
            db.session.flush()
            done.append((from_row(legacy), False))
            continue
        done.append(publish(definition))
    if has_app_context():
        g.pop("instruments_published", None)
    return done


def _ensure_shipped() -> bool:
    """A database without any instrument (a new test database) gets the shipped ones."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(InstrumentVersion)):
        return False
    sync_shipped()
    return True


def locales(inst: Instrument) -> tuple[str, ...]:
    """The locales an instrument can be shown in: the file's own label columns, and those whose
    message catalog translates every text of it (the shipped instruments)."""
    from questionnaire.i18n import available_locales, translated_in

    texts = [t for i in inst.items for t in (i.text, i.area, *(
        s.label for s in (i.scale.steps if i.scale else ()))) if t]
    return tuple(code for code in available_locales()
                 if code in inst.languages or all(translated_in(code, t) for t in texts))


