"""The NNS annual table as NNS lays it out (domain.md A, "NNS table"; `002:1945-2170`): per
indicator, its text, then each respondent group's questions in NNS's order (deltagare pågående,
deltagare avslut, personal, remittenter, parternas chefsgrupp, styrelse), each question with its
rows (samtliga, kvinnor, män for participants; one row for a professional group): n, negativt,
varken eller, positivt (klart positivt), svarsfrekvens and the change against the year before.
And the same questions' positive share year by year, for as many NNS years as there are.

The figures are those of the web report (`disclosure.report("nns", ...)`): whole periods, the
small-group rule with its own K for the professional groups, the differencing rule. The one
thing added is the professional groups' response rate: those who answered the question of those
invited, where a survey round says how many were invited (`surveys.invited`); otherwise
as for participants (those who answered of the responses). The CLI's `report nns` keeps the
contract's answered / n.

`workbook()` writes the same layout to Excel (tables.LayoutWorkbook), for the annual report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from flask_babel import gettext as _

from questionnaire import instruments, surveys
from questionnaire.i18n import N_, tr
from questionnaire.reporting import disclosure, reports, tables
from questionnaire.reporting.periods import Period

#: The NNS indicators' texts, as the annual reports print them (`002:1945-2170`). Indicator 11
#: (a register study) has no questions yet.
INDICATORS = {
    1: N_("Deltagarna känner att de insatser som erbjuds är organiserade runt deras behov "
          "(personcentrerade)."),
    2: N_("Deltagarna upplever inflytande över rehabiliteringsprocessen."),
    3: N_("En möjlighet att låta rehabiliteringsprocessen få ta den tid som behövs utifrån "
          "deltagarnas förutsättningar."),
    4: N_("Deltagarna upplever att det finns någon som håller samman och stödjer den enskildes "
          "samordnade rehabiliteringsprocess."),
    5: N_("Deltagarna upplever att de kan hantera egna symtom och funktionsnedsättning samt att "
          "de har fått stöd från myndigheterna i att leva med detta."),
    6: N_("När insatser avslutas i en samordnad rehabiliteringstjänst upplever deltagarna att "
          "det finns en planering/tjänster som tar vid, och att de levereras utan onödigt "
          "dröjsmål."),
    7: N_("Deltagarna upplever att det har skett en stegförflyttning närmare "
          "arbetsmarknaden/egen försörjning."),
    8: N_("Personalen upplever att andra medarbetare/professionella i andra myndigheter "
          "respekterar deras kunskap, roller och arbetssätt."),
    9: N_("Att det systematiskt tillvaratas erfarenheter, kunskaper och synpunkter såväl från "
          "enskilda deltagare/brukare som från brukarorganisationer eller grupper av "
          "deltagare."),
    10: N_("Samordnade insatser inkluderar även andra aktörer i samhället, företag, ideella "
           "krafter och föreningsliv i det löpande arbetet på ett strukturerat sätt."),
    11: N_("Utfall för deltagarna som kommer ur de samordnade insatserna är hållbara och säkra "
           "över tid."),
    12: N_("En struktur har skapats vars huvuduppgifter är att strategiskt initiera, "
           "upprätthålla och underhålla relationer."),
    13: N_("Samordnade insatser har ett sektorsövergripande arbetssätt och synsätt."),
    14: N_("Det finns en klar och tydlig strategi för uppföljning och utvärdering av "
           "myndighetsgemensamma insatser."),
    15: N_("Insikter från samverkan leder till att nya typer av förebyggande insatser utvecklas "
           "så att behov av samordnad rehabilitering inte behöver bli aktuellt om individer "
           "fångas upp mycket tidigare och på ett annorlunda sätt."),
    16: N_("En värdegrund utifrån mänskliga rättigheter såsom jämställdhet, mångfald och "
           "jämlikhet genomsyrar den lokala samverkanskulturen."),
}
NO_QUESTIONS = N_("Registerstudie som NNS ännu inte har tagit i bruk: inga frågor i enkäterna.")
#: The respondent groups in NNS's order: the form's name in the `report nns` CSV -> its title.
RESPONDENT_GROUPS = {
    "pagaende": N_("Deltagare – pågåendeenkät"), "avslut": N_("Deltagare – avslutsenkät"),
    "personal": N_("Personal"), "remittent": N_("Remittenter"),
    "chefsgrupp": N_("Parternas chefsgrupp"), "styrelse": N_("Styrelse"),
}
GROUP_LABELS = {"samtliga": N_("Samtliga"), "kvinnor": N_("Kvinnor"), "man": N_("Män")}
FORMS = {**reports.NNS_FORMS, **reports.NNS_PROFESSIONAL_FORMS}


@dataclass
class Line:
    """One row of figures: a group's answers to one question (None: not shown)."""

    group: str
    n: int | None = None
    answered: int | None = None
    negative: Decimal | None = None
    neutral: Decimal | None = None
    positive: Decimal | None = None
    clearly_positive: Decimal | None = None
    response_rate: Decimal | None = None
    change: Decimal | None = None


@dataclass
class Question:
    form: str  # pagaende, avslut, personal, remittent, chefsgrupp, styrelse
    item: str
    text: str
    yes_no: bool
    lines: list[Line] = field(default_factory=list)


@dataclass
class Indicator:
    number: int
    text: str  # Swedish (the msgid): shown with _()
    questions: list[Question] = field(default_factory=list)


@dataclass
class YearRow:
    form: str
    item: str
    text: str
    positive: list[Decimal | None]  # samtliga's positive share, one per year


@dataclass
class YearIndicator:
    number: int
    text: str
    rows: list[YearRow]


@dataclass
class MultiYear:
    years: list[Period]
    indicators: list[YearIndicator]


def _forms() -> list[tuple[str, instruments.Instrument]]:
    """(form, instrument) in NNS's order; a form never published is left out."""
    found = []
    for form, key in FORMS.items():
        try:
            found.append((form, instruments.get(key)))
        except KeyError:
            continue
    return found


def _questions() -> list[tuple[str, instruments.Instrument, instruments.Item]]:
    return [(form, inst, item) for form, inst in _forms() for item in inst.items
            if not item.is_text and item.indicator is not None]


def annual(period: Period, insats: str | None, k: int, k_professional: int,
           insatser: list[str]) -> list[Indicator]:
    """The annual table of a period (the web report's rules)."""
    rows = disclosure.report("nns", period, insats, k, insatser, k_professional=k_professional)
    return from_rows(rows, period, insats)


def from_rows(rows: list[dict], period: Period, insats: str | None) -> list[Indicator]:
    """The annual table from the web report's NNS rows (with their change)."""
    by_key = {(r["form"], r["item"], r["group"]): r for r in rows}
    indicators = {n: Indicator(n, text) for n, text in INDICATORS.items()}
    invited: dict[str, int | None] = {}
    for form, inst, item in _questions():
        professional = form in reports.NNS_PROFESSIONAL_FORMS
        if professional and inst.key not in invited:
            invited[inst.key] = surveys.invited(inst.key, period, insats)
        question = Question(form, item.key, item.text, yes_no=item.scale_max == 2)
        for group in ("samtliga",) if professional else reports.GROUPS:
            row = by_key.get((form, item.key, group), {})
            rate = row.get("response_rate_pct")
            if professional and invited[inst.key] and row.get("answered") is not None:
                rate = reports.pct(row["answered"], invited[inst.key])
            question.lines.append(Line(
                group, row.get("n"), row.get("answered"), row.get("negative_pct"),
                row.get("neutral_pct"), row.get("positive_pct"), row.get("clearly_positive_pct"),
                rate, row.get("change_pp")))
        indicators.setdefault(item.indicator, Indicator(item.indicator, "")).questions.append(
            question)
    return [indicators[n] for n in sorted(indicators)]


def multi_year(years: list[Period], insats: str | None, k: int, k_professional: int,
               insatser: list[str], memo: dict | None = None) -> MultiYear:
    """Each question's positive share (samtliga) in each of `years`, oldest first (`memo`: see
    disclosure.nns_table)."""
    shares = []
    for year in years:
        rows = disclosure.nns_table(year, insats, k, insatser, k_professional, memo)
        shares.append({(r["form"], r["item"]): r["positive_pct"] for r in rows
                       if r["group"] == "samtliga"})
    found: dict[int, YearIndicator] = {}
    for form, _inst, item in _questions():
        indicator = found.setdefault(item.indicator, YearIndicator(
            item.indicator, INDICATORS.get(item.indicator, ""), []))
        indicator.rows.append(YearRow(form, item.key, item.text,
                                      [s.get((form, item.key)) for s in shares]))
    return MultiYear(list(years), [found[n] for n in sorted(found)])


def indicator_title(indicator: Indicator | YearIndicator) -> str:
    if not indicator.text:  # an indicator a later form version brings
        return _("Indikator %(n)s", n=indicator.number)
    return _("Indikator %(n)s: %(text)s", n=indicator.number, text=_(indicator.text))


def year_label(period: Period) -> str:
    return f"{period.year}/{(period.year + 1) % 100:02d}"


# The Excel download -----------------------------------------------------------------------

def columns() -> list[tables.Column]:
    return [
        tables.Column(_("Fråga och grupp"), "text", 70), tables.Column(_("n"), "count", 7),
        tables.Column(_("Negativt"), "percent", 11),
        tables.Column(_("Varken eller"), "percent", 11),
        tables.Column(_("Positivt"), "percent", 11),
        tables.Column(_("(Klart positivt)"), "percent_in_brackets", 11),
        tables.Column(_("Svarsfrekvens"), "percent", 13),
        tables.Column(_("Förändring mot föregående år (procentenheter)"), "change", 18),
    ]


def question_title(question: Question) -> str:
    title = f"{question.item} {tr(question.text)} ({_(RESPONDENT_GROUPS[question.form])})"
    if question.yes_no:
        title += " " + _("Ja/nej-fråga: positivt = Ja, negativt = Nej.")
    return title


def workbook(target: str | IO[bytes], title: str, indicators: list[Indicator],
             multi: MultiYear, notes: list[str]) -> None:
    """The annual table on one sheet and the years side by side on another."""
    book = tables.LayoutWorkbook(target)
    sheet = book.sheet(_("NNS-tabell"), columns())
    sheet.title(title)
    for note in notes:
        sheet.note(note)
    sheet.headings()
    for indicator in indicators:
        sheet.band(indicator_title(indicator))
        if not indicator.questions:
            sheet.note(_(NO_QUESTIONS))
        for question in indicator.questions:
            sheet.label(question_title(question))
            for x in question.lines:
                sheet.values([_(GROUP_LABELS[x.group]), x.n, x.negative, x.neutral, x.positive,
                              x.clearly_positive, x.response_rate, x.change])
    years = book.sheet(_("Flera år"), [
        tables.Column(_("Fråga"), "text", 70),
        *(tables.Column(year_label(y), "percent", 11) for y in multi.years)])
    years.title(_("Andel positiva svar per NNS-år (samtliga)"))
    for note in notes:
        years.note(note)
    years.headings()
    for indicator in multi.indicators:
        years.band(indicator_title(indicator))
        for row in indicator.rows:
            years.values([f"{row.item} {_(RESPONDENT_GROUPS[row.form])}: {tr(row.text)}",
                          *row.positive])
    book.close()
