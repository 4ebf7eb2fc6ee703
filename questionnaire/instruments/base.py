"""The shape of an instrument version: items, scales, skip rules (plain frozen data).

An instrument is read from an XLSForm file (`xlsform.py`) into these classes; nothing else in
Stegvis knows a particular instrument. Texts are `Label`s: the wording in the form's default
language, carrying the file's own translations. `i18n.tr()` shows a label in the page's language
(the file's translation, else the message catalog, else the default wording).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class Label(str):
    """A text in the instrument's default language with the file's translations per locale."""

    translations: Mapping[str, str]

    def __new__(cls, text: str, translations: Mapping[str, str] | None = None) -> Label:
        obj = super().__new__(cls, text)
        obj.translations = dict(translations or {})
        return obj

    def __reduce__(self):  # copies and pickles keep the translations
        return (Label, (str(self), dict(self.translations)))


@dataclass(frozen=True)
class Step:
    value: int
    label: str


@dataclass(frozen=True)
class Scale:
    key: str
    steps: tuple[Step, ...]
    #: The picture beside each step, for people who read little: "level" draws as many filled
    #: bars as the step's position (an ordered scale), "yesno" a cross and a tick.
    pictogram: str = "level"

    @property
    def pictogram_set(self) -> str:
        """Scales with the same pictures share one set (e.g. "level-5", "yesno-2")."""
        return f"{self.pictogram}-{len(self.steps)}"

    @property
    def min(self) -> int:
        return self.steps[0].value

    @property
    def max(self) -> int:
        return self.steps[-1].value

    def position(self, value: int) -> int:
        """1 for the lowest step, len(steps) for the best (pictograms, charts)."""
        return value - self.min + 1

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
    area: str | None = None  # short area name: the item is a rated area (a spider-diagram axis)
    indicator: int | None = None  # e.g. the NNS indicator number
    show_if: ShowIf | None = None
    hint: str | None = None
    #: Required items do not offer "Vill inte svara".
    required: bool = False

    @property
    def is_text(self) -> bool:
        return self.scale is None

    @property
    def scale_max(self) -> int:
        return 0 if self.scale is None else self.scale.max

    @property
    def scale_min(self) -> int:
        return 1 if self.scale is None else self.scale.min


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    title: str
    intro: str
    items: tuple[Item, ...]
    #: Staff may see individual answers (a self-rating reviewed with the participant); group
    #: instruments (NNS) are only ever reported per group.
    individual_results: bool = False
    #: The wording belongs to someone else (NNS): translations of it are Stegvis's own and
    #: unofficial, and the question pages say so in every language but Swedish.
    unofficial_translations: bool = False
    #: A short name for staff (lists, reports); the title when the file gives none.
    short_title: str = ""
    #: Locales the file carries labels for, its default first.
    languages: tuple[str, ...] = ("sv",)
    #: Timepoints a new insats gives it at (the samordnare changes the schedule per insats).
    default_timepoints: tuple[str, ...] = ()
    #: Who answers it: "deltagare"; "handledare", the handledare's own rating of a participant
    #: (`rated_by_handledare`); or a professional respondent group ("personal", "remittent",
    #: "chefsgrupp", "styrelse") who answer anonymously, never as a participant (see
    #: `for_participants`, `answered_anonymously`).
    respondents: str = "deltagare"
    #: The wording is Stegvis's own (written for Stegvis from indicators that name no questions,
    #: e.g. BIP's), not a published instrument's: settings `own_wording`.
    own_wording: bool = False
    #: The content fingerprint (SHA-256 of the definition without its version).
    checksum: str = ""
    #: The XLSForm content this was read from (stored in the database, exported again).
    definition: Mapping = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.short_title or self.title

    @property
    def for_participants(self) -> bool:
        """Given to participants (schedules, the tablet, the participant catalog); a
        professional form is answered anonymously in a survey round or on paper."""
        return self.respondents == "deltagare"

    @property
    def rated_by_handledare(self) -> bool:
        """The handledare's own rating of a participant (e.g. BIP's caseworker indicators), at
        the participant's timepoints beside the self-rating: shown to staff only, never to the
        participant, never handed over, never in a survey round."""
        return self.respondents == "handledare"

    @property
    def answered_anonymously(self) -> bool:
        """A professional group's form (personal, remittent, chefsgrupp, styrelse): answered
        anonymously in a survey round or on paper, never about a participant."""
        return not self.for_participants and not self.rated_by_handledare

    @property
    def areas(self) -> tuple[Item, ...]:
        """The rated areas, in the form's order (the spider diagram's axes)."""
        return tuple(i for i in self.items if i.area and i.scale is not None)

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
