"""XLSForm workbooks for tests, written the way an evaluator writes them in Excel (openpyxl)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

SV, AR = "Svenska (sv)", "العربية (ar)"

#: Vellinge's own självskattningsformulär (seed 000, 3.2): four areas rated 0–4.
VELLINGE_AREAS = [
    ("V1", "Egenmakt", "التمكين", "Hur mycket känner du att du själv kan styra ditt liv?",
     "إلى أي مدى تشعر أنك تتحكم في حياتك؟"),
    ("V2", "Arbetsmarknaden", "سوق العمل", "Hur mycket vet du om arbetsmarknaden?",
     "كم تعرف عن سوق العمل؟"),
    ("V3", "Arbeta med ohälsa", "العمل مع المرض",
     "Hur väl kan du arbeta med din psykiska eller fysiska ohälsa?",
     "ما مدى قدرتك على العمل مع مشاكلك الصحية النفسية أو الجسدية؟"),
    ("V4", "Myndigheter", "الجهات الحكومية", "Hur väl fungerar din kontakt med myndigheter?",
     "ما مدى جودة تواصلك مع الجهات الحكومية؟"),
]
VELLINGE_STEPS = [("0", "Inte alls", "لا على الإطلاق"), ("1", "Lite", "قليلًا"),
                  ("2", "Mitt emellan", "في المنتصف"), ("3", "Ganska mycket", "كثيرًا"),
                  ("4", "Helt", "تمامًا")]


def workbook(survey: list[dict[str, Any]], choices: list[dict[str, Any]],
             settings: dict[str, Any] | None, *, formula_at: tuple[str, str] | None = None
             ) -> bytes:
    """A workbook from rows as dicts (the header is the union of their keys, in order)."""
    book = Workbook()
    book.remove(book.active)
    sheets = {"survey": survey, "choices": choices}
    if settings is not None:
        sheets["settings"] = [settings]
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        header: list[str] = []
        for row in rows:
            header += [k for k in row if k not in header]
        ws.append(header)
        for row in rows:
            ws.append([row.get(h) for h in header])
    if formula_at:
        book[formula_at[0]][formula_at[1]] = "=1+1"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def vellinge(*, title: str = "Min väg framåt", version: str = "2026-01", **settings: Any
             ) -> bytes:
    survey: list[dict[str, Any]] = [
        {"type": "note", "name": "intro", f"label::{SV}": "Fyra frågor om dig.",
         f"label::{AR}": "أربعة أسئلة عنك."}]
    for key, area_sv, area_ar, text_sv, text_ar in VELLINGE_AREAS:
        survey.append({"type": "select_one steg", "name": key, f"label::{SV}": text_sv,
                       f"label::{AR}": text_ar, f"area::{SV}": area_sv, f"area::{AR}": area_ar})
    choices = [{"list_name": "steg", "name": n, f"label::{SV}": sv, f"label::{AR}": ar}
               for n, sv, ar in VELLINGE_STEPS]
    return workbook(survey, choices, {
        "form_id": "vellinge", "form_title": title, "version": version,
        "default_language": "sv", "results": "individual", "short_title": "Vellinge",
        "default_timepoints": "intake 6m exit", **settings})
