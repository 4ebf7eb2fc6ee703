"""The categories a group report can be broken down by besides insats (issue 16 item 3):
who referred the participant (remittent organisation) and the age band at enrolment.

These only name the categories and say, in SQL, who belongs to one; the small-group and
differencing rule for the rows they make is `disclosure`'s (the category is one more
dimension of its cells).
"""

from __future__ import annotations

import sqlalchemy as sa

from questionnaire.i18n import N_

#: Referrer categories as förbund report them; a self-referral, "annan" and not recorded
#: count as "annan".
REFERRER_CATEGORIES = ("af", "fk", "kommun", "region", "annan")
#: Age at enrolment (the year of the start date minus the birth year); "okand": no birth year.
AGE_BANDS = {"16-24": (None, 24), "25-34": (25, 34), "35-44": (35, 44), "45-54": (45, 54),
             "55-67": (55, None), "okand": None}
#: What each breakdown is called and which categories it has (insats: the insatser themselves).
DIMENSIONS = {"referrer": REFERRER_CATEGORIES, "age_band": tuple(AGE_BANDS)}
LABELS = {
    "insats": N_("Insats"), "referrer": N_("Remittent"), "age_band": N_("Åldersgrupp"),
    "af": N_("Arbetsförmedlingen"), "fk": N_("Försäkringskassan"), "kommun": N_("Kommunen"),
    "region": N_("Regionen"), "annan": N_("Annan eller ingen uppgift"),
    "16-24": N_("16–24 år"), "25-34": N_("25–34 år"), "35-44": N_("35–44 år"),
    "45-54": N_("45–54 år"), "55-67": N_("55 år och äldre"), "okand": N_("Ålder okänd"),
}


def referrer_is(column, category: str):
    """SQL: the referrer column belongs to the category."""
    if category == "annan":
        return sa.or_(column.in_(("egen", "annan")), column.is_(None))
    return column == category


def age(start_column, birth_year_column):
    """SQL: the age at enrolment, the start date's year minus the birth year (NULL without)."""
    return sa.cast(sa.extract("year", start_column), sa.Integer) - birth_year_column


def age_band_is(start_column, birth_year_column, band: str):
    """SQL: the age at enrolment is in the band."""
    limits = AGE_BANDS[band]
    if limits is None:
        return birth_year_column.is_(None)
    age_ = age(start_column, birth_year_column)
    low, high = limits
    found = [birth_year_column.is_not(None)]
    if low is not None:
        found.append(age_ >= low)
    if high is not None:
        found.append(age_ <= high)
    return sa.and_(*found)


def conditions(referrer: str | None, age_band: str | None, referrer_column, start_column,
               birth_year_column) -> list:
    """The WHERE conditions of a report narrowed to a referrer category and/or age band."""
    found = []
    if referrer is not None:
        found.append(referrer_is(referrer_column, referrer))
    if age_band is not None:
        found.append(age_band_is(start_column, birth_year_column, age_band))
    return found
