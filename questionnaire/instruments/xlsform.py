"""Instruments as XLSForm files (xlsform.org): read and validate a workbook, write one back.

The supported subset (docs/instruments.md):
  survey    type (select_one LIST | text | note), name, label::LANG (code), hint::LANG (code),
            required, relevant (`${ITEM} = 'STEP'`), and Stegvis's area::LANG (code), indicator
  choices   list_name, name (the step's number), label::LANG (code), and Stegvis's pictogram
  settings  form_id, form_title, version, default_language, and Stegvis's results
            (individual | group), short_title, unofficial_translations, default_timepoints,
            respondents (deltagare | handledare | personal | remittent | chefsgrupp |
            styrelse), own_wording

A workbook is data, never code: it is read with formulas left unevaluated (a formula is an error)
and external links never followed; sizes are limited. `read()` checks the whole file and raises
`FormErrors` with every problem as (sheet, row, reason); nothing is stored by this module.

The result is a *definition*: a plain JSON-able dict of the three sheets with only the supported
columns, labels as {locale: text}. It is what the database stores, what `build()` turns into an
`Instrument`, and what `write()` turns back into the same workbook (a round trip is a no-op).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _

from questionnaire.i18n import LANGUAGES
from questionnaire.instruments.base import Instrument, Item, Label, Scale, ShowIf, Step
from questionnaire.models import TIMEPOINTS

MAX_BYTES = 2_000_000  # an instrument workbook is a few kilobytes
MAX_UNPACKED = 20_000_000  # what the zip may unpack to (zip bombs)
MAX_ROWS = 1000  # rows per sheet
MAX_STEPS = 11  # a scale from 0 to 10 at the most
MAX_TEXT = 1000  # characters in one label

KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,9}$")  # answer rows store keys in 10 characters
FORM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
LANG_COLUMN = re.compile(r"^(label|hint|area)(?:::(.+?))?$")
LANG_CODE = re.compile(r"^(.*?)\s*\(([^()]+)\)\s*$")
RELEVANT = re.compile(
    r"""^\s*(?:\$\{(?P<a>\w+)\}\s*=\s*(?P<qa>['"]?)(?P<va>-?\d+)(?P=qa)"""
    r"""|selected\(\s*\$\{(?P<b>\w+)\}\s*,\s*(?P<qb>['"])(?P<vb>-?\d+)(?P=qb)\s*\))\s*$"""
)
TYPES = ("select_one", "text", "note")
YES = ("yes", "true", "1", "true()")
NO = ("", "no", "false", "0", "false()")
SURVEY_COLUMNS = ("type", "name", "required", "relevant", "indicator")
CHOICE_COLUMNS = ("list_name", "name", "pictogram")
SETTINGS = ("form_id", "form_title", "version", "default_language", "results", "short_title",
            "unofficial_translations", "default_timepoints", "respondents", "own_wording")
#: Who answers a form: participants (the default), or one of NNS's professional respondent
#: groups (domain.md A), who answer anonymously in a survey round or on paper, never as a
#: participant and never on the tablet.
RESPONDENT_GROUPS = ("deltagare", "handledare", "personal", "remittent", "chefsgrupp", "styrelse")
PICTOGRAMS = ("level", "yesno")
#: Locale codes Stegvis offers, and the BCP 47 tags a file may use for them.
LOCALES = {lang.code: lang.code for lang in LANGUAGES} | {
    lang.tag.lower(): lang.code for lang in LANGUAGES if lang.tag != "sv"}


class FormErrors(Exception):
    """Every problem of a workbook, as (sheet, row, reason); row 0 means the whole sheet."""

    def __init__(self, problems: list[tuple[str, int, str]]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems

    def lines(self, filename: str) -> list[str]:
        return [":".join(str(p) for p in (filename, sheet, row) if p) + f": {reason}"
                for sheet, row, reason in self.problems]


# -- reading -------------------------------------------------------------------------------------

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheets(data: bytes) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Each sheet's rows as (row number, {column: text}); formulas raise FormErrors."""
    if len(data) > MAX_BYTES:
        raise FormErrors([("", 0, _("filen är större än %(n)s MB", n=MAX_BYTES // 1_000_000))])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED:
                raise FormErrors([("", 0, _("filen packas upp till för mycket data"))])
    except zipfile.BadZipFile:
        raise FormErrors([("", 0, _("filen är ingen Excel-arbetsbok (.xlsx)"))]) from None
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                             keep_links=False)
    except Exception:
        raise FormErrors([("", 0, _("filen är ingen Excel-arbetsbok (.xlsx)"))]) from None
    problems: list[tuple[str, int, str]] = []
    sheets: dict[str, list[tuple[int, dict[str, str]]]] = {}
    try:
        for ws in book.worksheets:
            name = ws.title.strip().lower()
            rows: list[tuple[int, dict[str, str]]] = []
            header: list[str] = []
            for n, row in enumerate(ws.iter_rows(), start=1):
                if n > MAX_ROWS + 1:
                    problems.append((name, 0, _("bladet har fler än %(n)s rader", n=MAX_ROWS)))
                    break
                values = []
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        problems.append((name, n, _(
                            "cellen %(cell)s är en formel: skriv värdet i stället",
                            cell=cell.coordinate)))
                        values.append("")
                    else:
                        values.append(_cell(cell.value))
                if not header:
                    header = [v.strip() for v in values]
                    continue
                record = {h: v for h, v in zip(header, values, strict=False) if h and v}
                if record:
                    rows.append((n, record))
            sheets[name] = rows
            sheets.setdefault(f"{name}#header", [(1, dict.fromkeys(h for h in header if h))])
    finally:
        book.close()
    if problems:
        raise FormErrors(problems)
    return sheets


def _language(spec: str | None, default: str) -> str | None:
    """'Svenska (sv)' -> 'sv'; None for a code Stegvis does not offer."""
    if spec is None:
        return default
    match = LANG_CODE.match(spec)
    code = (match.group(2) if match else spec).strip()
    return LOCALES.get(code) or LOCALES.get(code.lower().replace("_", "-"))


def _language_name(spec: str | None) -> str | None:
    match = LANG_CODE.match(spec or "")
    return match.group(1).strip() if match and match.group(1).strip() else None


def read(data: bytes) -> dict:
    """The definition of an XLSForm workbook; FormErrors with every problem if it has any."""
    sheets = _sheets(data)
    problems: list[tuple[str, int, str]] = []

    def problem(sheet: str, row: int, reason: str) -> None:
        problems.append((sheet, row, reason))

    for sheet in ("survey", "settings"):
        if sheet not in sheets:
            problem(sheet, 0, _("bladet %(sheet)s saknas", sheet=sheet))
    if problems:
        raise FormErrors(problems)

    # settings: the first row under the header
    settings_rows = sheets["settings"]
    settings = dict(settings_rows[0][1]) if settings_rows else {}
    srow = settings_rows[0][0] if settings_rows else 2
    for column in settings:
        if column not in SETTINGS:
            problem("settings", srow, _("kolumnen %(c)s stöds inte", c=column))
    form_id = settings.get("form_id", "")
    if not FORM_ID.match(form_id):
        problem("settings", srow, _(
            "form_id måste finnas och bestå av små bokstäver a–z, siffror och bindestreck"))
    if not settings.get("form_title"):
        problem("settings", srow, _("form_title saknas"))
    results = settings.get("results", "")
    if results not in ("individual", "group"):
        problem("settings", srow, _("results måste vara individual eller group"))
    for flag in ("unofficial_translations", "own_wording"):
        if settings.get(flag, "").lower() not in YES + NO:
            problem("settings", srow, _("%(c)s måste vara yes eller no", c=flag))
    respondents = settings.get("respondents", "deltagare")
    if respondents not in RESPONDENT_GROUPS:
        problem("settings", srow, _("respondents måste vara en av %(known)s",
                                     known=", ".join(RESPONDENT_GROUPS)))
    if respondents == "handledare" and results != "individual":
        problem("settings", srow, _(
            "ett formulär som handledaren fyller i om en deltagare (respondents handledare) "
            "har results individual"))
    timepoints = settings.get("default_timepoints", "").split()
    if timepoints and respondents != "deltagare":
        problem("settings", srow, _(
            "default_timepoints gäller bara formulär som deltagare besvarar (respondents)"))
    for t in timepoints:
        if t not in TIMEPOINTS:
            problem("settings", srow, _("okänd tidpunkt %(t)s (%(known)s)", t=t,
                                         known=", ".join(TIMEPOINTS)))

    # languages: every label::/hint::/area:: column names one
    default_spec = settings.get("default_language")
    default = _language(default_spec, "sv") if default_spec else None
    if default_spec and default is None:
        problem("settings", srow, _("default_language %(l)s är inget språk som Stegvis har",
                                     l=default_spec))
    languages: dict[str, str | None] = {}
    columns: dict[str, dict[str, tuple[str, str]]] = {}  # sheet -> column -> (kind, locale)
    for sheet in ("survey", "choices"):
        columns[sheet] = {}
        for column in sheets.get(f"{sheet}#header", [(1, {})])[0][1]:
            match = LANG_COLUMN.match(column)
            if match:
                kind, spec = match.groups()
                if sheet == "choices" and kind != "label":
                    problem(sheet, 1, _("kolumnen %(c)s stöds inte", c=column))
                    continue
                code = _language(spec, default or "sv")
                if code is None:
                    problem(sheet, 1, _(
                        "språket i kolumnen %(c)s är inget som Stegvis har (%(known)s)",
                        c=column, known=", ".join(lang.code for lang in LANGUAGES)))
                    continue
                columns[sheet][column] = (kind, code)
                if kind == "label":
                    languages.setdefault(code, _language_name(spec))
            elif column not in (SURVEY_COLUMNS if sheet == "survey" else CHOICE_COLUMNS):
                problem(sheet, 1, _("kolumnen %(c)s stöds inte (se docs/instruments.md)",
                                     c=column))
    if not languages:
        problem("survey", 1, _("ingen kolumn label::SPRÅK (kod)"))
    default = default or next(iter(languages), "sv")
    if languages and default not in languages:
        problem("settings", srow, _("default_language %(l)s har ingen label-kolumn", l=default))
    order = [default, *[code for code in languages if code != default]]

    def texts(sheet: str, row: dict[str, str], kind: str) -> dict[str, str]:
        found = {}
        for column, (k, code) in columns[sheet].items():
            if k == kind and row.get(column):
                found[code] = row[column]
        return found

    def check_labels(sheet: str, n: int, labels: dict[str, str], what: str) -> None:
        for code in order:
            if not labels.get(code):
                problem(sheet, n, _("%(what)s saknar text på %(lang)s", what=what, lang=code))
        for text in labels.values():
            if len(text) > MAX_TEXT:
                problem(sheet, n, _("en text är längre än %(n)s tecken", n=MAX_TEXT))

    # choices: the scales
    lists: dict[str, list[dict]] = {}
    pictograms: dict[str, str] = {}
    for n, row in sheets.get("choices", []):
        list_name, name = row.get("list_name", ""), row.get("name", "")
        if not list_name:
            problem("choices", n, _("list_name saknas"))
            continue
        steps = lists.setdefault(list_name, [])
        if not re.fullmatch(r"-?\d+", name):
            problem("choices", n, _("name ”%(v)s” måste vara stegets nummer (0–10)", v=name))
            continue
        value = int(name)
        if any(s["name"] == str(value) for s in steps):
            problem("choices", n, _("steget %(v)s finns två gånger i listan %(l)s", v=value,
                                     l=list_name))
            continue
        if steps and value != int(steps[-1]["name"]) + 1:
            problem("choices", n, _(
                "stegen i %(l)s ska komma i ordning, ett i taget (lägst först): väntade %(v)s",
                l=list_name, v=int(steps[-1]["name"]) + 1))
        elif not steps and value not in (0, 1):
            problem("choices", n, _("en skala börjar på 0 eller 1"))
        if value > MAX_STEPS - 1:
            problem("choices", n, _("en skala går högst till 10"))
        picture = row.get("pictogram", "")
        if picture:
            if picture not in PICTOGRAMS:
                problem("choices", n, _("pictogram måste vara level eller yesno"))
            pictograms[list_name] = picture
        labels = texts("choices", row, "label")
        check_labels("choices", n, labels, _("steget %(v)s", v=value))
        steps.append({"name": str(value), "label": labels})

    # survey: the items
    survey: list[dict] = []
    seen: dict[str, tuple[int, str]] = {}  # name -> (row, list)
    used_lists: set[str] = set()
    questions = 0
    for n, row in sheets["survey"]:
        kind, *rest = row.get("type", "").split()
        name = row.get("name", "")
        if kind not in TYPES or (kind == "select_one") != bool(rest) or len(rest) > 1:
            problem("survey", n, _("typen ”%(t)s” stöds inte (select_one LISTA, text, note)",
                                    t=row.get("type", "")))
            continue
        if not KEY.match(name):
            problem("survey", n, _(
                "name ”%(v)s”: en bokstav och sedan högst nio bokstäver, siffror eller _", v=name))
        elif name in seen:
            problem("survey", n, _("namnet %(v)s finns redan på rad %(r)s", v=name,
                                    r=seen[name][0]))
        labels = texts("survey", row, "label")
        check_labels("survey", n, labels, name or _("raden"))
        item: dict[str, Any] = {"type": row["type"].strip(), "name": name, "label": labels}
        hints = texts("survey", row, "hint")
        if hints:
            item["hint"] = hints
        areas = texts("survey", row, "area")
        if areas:
            if kind != "select_one":
                problem("survey", n, _("bara select_one-frågor kan ha ett område (area)"))
            check_labels("survey", n, areas, _("området för %(v)s", v=name))
            item["area"] = areas
        required = row.get("required", "").lower()
        if required not in YES + NO:
            problem("survey", n, _("required måste vara yes eller no"))
        elif required in YES:
            item["required"] = "yes"
        if row.get("indicator"):
            if not re.fullmatch(r"\d{1,3}", row["indicator"]):
                problem("survey", n, _("indicator måste vara ett heltal"))
            item["indicator"] = row["indicator"]
        if kind == "note":
            if questions:
                problem("survey", n, _("en note stöds bara före den första frågan (inledningen)"))
            if row.get("relevant"):
                problem("survey", n, _("en note kan inte ha relevant"))
        else:
            questions += 1
        if kind == "select_one":
            list_name = rest[0]
            used_lists.add(list_name)
            if list_name not in lists:
                problem("survey", n, _("listan %(l)s finns inte på bladet choices", l=list_name))
            elif not lists[list_name]:
                problem("survey", n, _("listan %(l)s har inga steg", l=list_name))
        relevant = row.get("relevant", "")
        if relevant:
            match = RELEVANT.match(relevant)
            if not match:
                problem("survey", n, _(
                    "relevant ”%(v)s” stöds inte: skriv ${FRÅGA} = 'STEG'", v=relevant))
            else:
                other = match.group("a") or match.group("b")
                step = match.group("va") or match.group("vb")
                if other not in seen:
                    problem("survey", n, _(
                        "relevant nämner %(v)s, som inte är en fråga före den här", v=other))
                elif not seen[other][1]:
                    problem("survey", n, _("relevant nämner %(v)s, som inte är en select_one",
                                            v=other))
                elif step not in {s["name"] for s in lists.get(seen[other][1], [])}:
                    problem("survey", n, _("relevant: %(v)s har inget steg %(s)s", v=other,
                                            s=step))
                item["relevant"] = f"${{{other}}} = '{step}'"
        if name and name not in seen:
            seen[name] = (n, rest[0] if kind == "select_one" else "")
        survey.append(item)
    if not questions:
        problem("survey", 0, _("formuläret har inga frågor"))
    for list_name in lists:
        if list_name not in used_lists:
            problem("choices", 0, _("listan %(l)s används inte av någon fråga", l=list_name))
    rated = [i for i in survey if i.get("area")]
    if results == "individual" and respondents != "handledare" and len(rated) < 3:
        problem("survey", 0, _(
            "en självskattning (results individual) behöver minst tre frågor med område (area)"))
    scales = {tuple(s["name"] for s in lists.get(i["type"].split()[-1], [])) for i in rated}
    if len(scales) > 1:
        problem("survey", 0, _("frågorna med område (area) ska ha skalor med samma steg"))
    if problems:
        raise FormErrors(problems)

    ordered_settings = {k: settings[k] for k in SETTINGS if settings.get(k)}
    ordered_settings["default_language"] = default
    return {
        "settings": ordered_settings,
        "languages": {code: languages[code] for code in order},
        "survey": survey,
        "choices": [
            {"list_name": list_name, **step, **({"pictogram": pictograms[list_name]}
                                                 if list_name in pictograms and i == 0 else {})}
            for list_name, steps in lists.items() for i, step in enumerate(steps)
        ],
    }


# -- the definition as an Instrument --------------------------------------------------------------

def checksum(definition: Mapping) -> str:
    """The content's fingerprint: the same wording, scales and rules give the same checksum
    whatever version number the file carries."""
    content = {**definition, "settings": {k: v for k, v in definition["settings"].items()
                                          if k != "version"}}
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


def _label(texts: Mapping[str, str], default: str) -> Label:
    return Label(texts.get(default, ""), {k: v for k, v in texts.items() if k != default})


def build(definition: Mapping, version: int) -> Instrument:
    """The Instrument a stored definition describes."""
    settings = definition["settings"]
    default = settings.get("default_language", "sv")
    scales: dict[str, Scale] = {}
    for row in definition["choices"]:
        scale = scales.get(row["list_name"])
        step = Step(int(row["name"]), _label(row["label"], default))
        if scale is None:
            scales[row["list_name"]] = Scale(row["list_name"], (step,),
                                             row.get("pictogram", "level"))
        else:
            scales[row["list_name"]] = Scale(scale.key, (*scale.steps, step), scale.pictogram)
    intro: list[str] = []
    intro_translations: dict[str, list[str]] = {}
    items = []
    for row in definition["survey"]:
        kind, *rest = row["type"].split()
        if kind == "note":
            intro.append(row["label"].get(default, ""))
            for code, text in row["label"].items():
                intro_translations.setdefault(code, []).append(text)
            continue
        show_if = None
        if row.get("relevant"):
            match = RELEVANT.match(row["relevant"])
            show_if = ShowIf(match.group("a") or match.group("b"),
                             int(match.group("va") or match.group("vb")))
        items.append(Item(
            key=row["name"], text=_label(row["label"], default),
            scale=scales[rest[0]] if kind == "select_one" else None,
            area=_label(row["area"], default) if row.get("area") else None,
            indicator=int(row["indicator"]) if row.get("indicator") else None,
            show_if=show_if,
            hint=_label(row["hint"], default) if row.get("hint") else None,
            required=row.get("required") == "yes",
        ))
    return Instrument(
        key=settings["form_id"], version=version,
        title=Label(settings["form_title"]),
        intro=Label(" ".join(intro), {k: " ".join(v) for k, v in intro_translations.items()
                                      if k != default}),
        items=tuple(items),
        individual_results=settings.get("results") == "individual",
        unofficial_translations=settings.get("unofficial_translations", "").lower() in YES,
        short_title=Label(settings.get("short_title", "")),
        languages=tuple(definition["languages"]),
        default_timepoints=tuple(settings.get("default_timepoints", "").split()),
        respondents=settings.get("respondents", "deltagare"),
        own_wording=settings.get("own_wording", "").lower() in YES,
        checksum=checksum(definition),
        definition=definition,
    )


# -- writing --------------------------------------------------------------------------------------

def _language_header(kind: str, code: str, names: Mapping[str, str | None]) -> str:
    name = names.get(code)
    if not name:
        from babel import Locale

        try:
            name = Locale.parse(code).get_display_name(code)
        except (ValueError, TypeError):
            name = code
        name = (name or code)[:1].upper() + (name or code)[1:]
    return f"{kind}::{name} ({code})"


def _rows(records: Iterable[Mapping], plain: tuple[str, ...], kinds: tuple[str, ...],
          names: Mapping[str, str | None]) -> tuple[list[str], list[list[str]]]:
    records = list(records)
    codes = list(names)
    header = [c for c in plain[:2]]
    header += [_language_header(k, code, names) for k in kinds for code in codes
               if any(code in r.get(k, {}) for r in records)]
    header += [c for c in plain[2:] if any(r.get(c) for r in records)]
    out = []
    for r in records:
        row = []
        for column in header:
            match = LANG_COLUMN.match(column)
            if match and "::" in column:
                code = LANG_CODE.match(match.group(2)).group(2)
                row.append(r.get(match.group(1), {}).get(code, ""))
            else:
                row.append(r.get(column, ""))
        out.append(row)
    return header, out


def write(definition: Mapping, version: int | None = None) -> bytes:
    """The definition as an XLSForm workbook (`version` replaces the file's version)."""
    from openpyxl import Workbook

    names = definition["languages"]
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    header, rows = _rows(definition["survey"], ("type", "name", "required", "relevant",
                                                "indicator"), ("label", "hint", "area"), names)
    survey.append(header)
    for row in rows:
        survey.append(row)
    choices = book.create_sheet("choices")
    header, rows = _rows(definition["choices"], ("list_name", "name", "pictogram"), ("label",),
                         names)
    choices.append(header)
    for row in rows:
        choices.append(row)
    settings = book.create_sheet("settings")
    values = dict(definition["settings"])
    if version is not None:
        values["version"] = str(version)
    settings.append(list(values))
    settings.append(list(values.values()))
    for sheet in book.worksheets:  # text cells stay text: "1" is a step name, not a number
        for row in sheet.iter_rows():
            for cell in row:
                cell.number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
