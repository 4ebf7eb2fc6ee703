"""Instruments as versioned data.

Each instrument version is a frozen description: items, wording (Swedish source text, translated
through Babel when shown), scales and skip rules. `sync_to_database()` mirrors every version into
`instrument_version`/`instrument_item`; a published version whose wording changes is refused, so
answers always point at the exact wording they were given in. Changing an instrument means adding
a new version here.
"""

from __future__ import annotations

import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.i18n import N_
from questionnaire.instruments.base import Instrument, Item, Scale, ShowIf, Step
from questionnaire.models import InstrumentItem, InstrumentVersion

__all__ = ["Instrument", "Item", "Scale", "ShowIf", "Step", "get", "sync_to_database"]


def _registry() -> dict[str, dict[int, Instrument]]:
    from questionnaire.instruments import nns, skapa

    registry: dict[str, dict[int, Instrument]] = {}
    for inst in (*skapa.VERSIONS, *nns.VERSIONS):
        registry.setdefault(inst.key, {})[inst.version] = inst
    return registry


REGISTRY = _registry()
#: The order in which instruments due at the same timepoint are given.
ORDER = ("skapa", "nns-pagaende", "nns-avslut")
#: Short names for staff (translated when shown).
TITLES = {"skapa": N_("SKAPA"), "nns-pagaende": N_("NNS pågående"),
          "nns-avslut": N_("NNS avslut")}


def get(key: str, version: int | None = None) -> Instrument:
    """An instrument version; the newest when no version is given. KeyError if unknown."""
    versions = REGISTRY[key]
    return versions[version if version is not None else max(versions)]


class InstrumentChanged(RuntimeError):
    """A published instrument version's wording differs from what the database holds."""


def sync_to_database() -> None:
    """Mirror every instrument version into the database (flushes; the caller commits)."""
    for versions in REGISTRY.values():
        for inst in versions.values():
            row = db.session.scalar(
                sa.select(InstrumentVersion).filter_by(instrument=inst.key, version=inst.version)
            )
            if row is None:
                row = InstrumentVersion(
                    instrument=inst.key, version=inst.version, checksum=inst.checksum,
                    items=[
                        InstrumentItem(key=i.key, position=n, scale_max=i.scale_max)
                        for n, i in enumerate(inst.items)
                    ],
                )
                db.session.add(row)
            elif row.checksum != inst.checksum:
                raise InstrumentChanged(
                    f"{inst.key} version {inst.version} was published with other wording; "
                    "add a new version instead of changing it"
                )
    db.session.flush()


def version_row(inst: Instrument) -> InstrumentVersion:
    row = db.session.scalar(
        sa.select(InstrumentVersion).filter_by(instrument=inst.key, version=inst.version)
    )
    if row is None:  # instruments are synced by init-db; a fresh test database syncs here
        sync_to_database()
        return version_row(inst)
    return row
