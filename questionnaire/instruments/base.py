"""The shape of an instrument version: items, scales, skip rules (plain frozen data)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    value: int
    label: str


@dataclass(frozen=True)
class Scale:
    key: str
    steps: tuple[Step, ...]
    #: The picture beside each step, for people who read little: "level" draws as many filled
    #: bars as the step's number (an ordered scale), "yesno" a cross and a tick.
    pictogram: str = "level"

    @property
    def pictogram_set(self) -> str:
        """Scales with the same pictures share one set (e.g. "level-5", "yesno-2")."""
        return f"{self.pictogram}-{self.max}"

    @property
    def max(self) -> int:
        return self.steps[-1].value

    def label(self, value: int) -> str:
        return next(s.label for s in self.steps if s.value == value)


@dataclass(frozen=True)
class ShowIf:
    """The item is asked only when `item` was answered with `step`."""

    item: str
    step: int


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    scale: Scale | None = None  # None: a free-text item
    area: str | None = None  # short area name (SKAPA chart axis)
    indicator: int | None = None  # NNS indicator number
    show_if: ShowIf | None = None

    @property
    def is_text(self) -> bool:
        return self.scale is None

    @property
    def scale_max(self) -> int:
        return 0 if self.scale is None else self.scale.max


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    title: str
    intro: str
    items: tuple[Item, ...]
    #: Staff may see individual answers (SKAPA); NNS answers are only ever reported per group.
    individual_results: bool = False
    #: The wording belongs to someone else (NNS): translations of it are Stegvis's own and
    #: unofficial, and the question pages say so in every language but Swedish.
    unofficial_translations: bool = False

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    def visible_items(self, steps: Mapping[str, int | None]) -> list[Item]:
        """The items asked, given the steps answered so far (the skip rule)."""
        return [
            i for i in self.items
            if i.show_if is None or steps.get(i.show_if.item) == i.show_if.step
        ]

    def hidden_by(self, key: str, step: int | None) -> list[str]:
        """Items that are no longer asked once `key` has been answered with `step`."""
        return [
            i.key for i in self.items
            if i.show_if is not None and i.show_if.item == key and i.show_if.step != step
        ]

    @property
    def checksum(self) -> str:
        payload = {
            "key": self.key, "version": self.version, "title": self.title, "intro": self.intro,
            "items": [
                {
                    "key": i.key, "text": i.text, "area": i.area, "indicator": i.indicator,
                    "show_if": i.show_if and [i.show_if.item, i.show_if.step],
                    "scale": i.scale and [[s.value, s.label] for s in i.scale.steps],
                }
                for i in self.items
            ],
        }
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()
