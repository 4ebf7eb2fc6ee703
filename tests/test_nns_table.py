"""The whole NNS annual table (questionnaire.reporting.nns_table): per indicator in NNS's order, each
respondent group's question rows against hand counts, the change against the year before, the
invited-based response rate, several years side by side, the small-group and differencing rules,
the page and the Excel download with the same layout."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from questionnaire import instruments, surveys
from questionnaire.reporting import nns_table, periods
from tests.reportdata import HEADER, Data

TODAY = dt.date.today()
YEAR = periods.last_complete(TODAY)  # the last NNS year that has ended
EARLIER = YEAR.year_earlier()
DAY = YEAR.start + dt.timedelta(days=120)  # in March: one quarter, one month
DAY_EARLIER = EARLIER.start + dt.timedelta(days=120)
K, KP = 10, 5
D = Decimal


def professional(form, day, steps, first=1, insats=""):
    """Paper responses of a professional form, one per entry of `steps` ({item: step})."""
    return [f"{n},,,{insats},nns-{form},,,{item},{'' if v is None else v},{day}"
            for n, values in enumerate(steps, start=first) for item, v in values.items()]


@pytest.fixture
def year_data(app, runner, tmp_path):
    """The year: 12 women and 12 men answered pågående; 12 women avslut (N6a 9 Ja, 3 Nej);
    staff 7, referrers 5, managers 4, the board 6. The year before: the board only."""
    d = Data()
    women_n1 = [6] * 5 + [4] * 3 + [3] * 2 + [1] * 2
    men_n1 = [4] * 10 + [2] * 2
    for step in women_n1:
        d.form(d.person("kvinna"), "nns-pagaende", "6m", str(DAY), {"N1": step})
    for step in men_n1:
        d.form(d.person("man"), "nns-pagaende", "6m", str(DAY), {"N1": step})
    for n in range(12):
        d.form(d.person("kvinna"), "nns-avslut", "exit", str(DAY), {"N6a": 2 if n < 9 else 1})
    lines = [
        *professional("personal", DAY, [{"P3": s} for s in (1, 2, 3, 4, 5, 6, 6)]),
        *professional("remittent", DAY, [{"R3": 4}] * 5),
        *professional("chefsgrupp", DAY, [{"C9a": 5}] * 4),
        *professional("styrelse", DAY, [{"B12": s} for s in (4, 4, 5, 6, 2, 3)]),
        *professional("styrelse", DAY_EARLIER, [{"B12": s} for s in (2, 2, 3, 4, 5, 6)],
                      first=101),
    ]
    d.lines += lines
    path = tmp_path / "year.csv"
    path.write_text("\n".join([HEADER, *d.lines]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import-answers", str(path)])
    assert result.exit_code == 0, result.output


def annual(period=YEAR, insats=None, k=K, kp=KP):
    return nns_table.annual(period, insats, k, kp, ["Alfa"])


def question(indicators, form, item):
    return next(q for i in indicators for q in i.questions if (q.form, q.item) == (form, item))


def line(q, group="samtliga"):
    return next(x for x in q.lines if x.group == group)


def figures(x):
    return (x.n, x.negative, x.neutral, x.positive, x.clearly_positive, x.response_rate)


def test_indicators_in_nns_order_with_every_respondent_group(year_data):
    indicators = annual()
    assert [i.number for i in indicators] == list(range(1, 17))
    assert indicators[0].text.startswith("Deltagarna känner att de insatser")
    assert indicators[10].questions == []  # 11: the register study, not yet in use
    # indicator 3: the participants' two forms, then staff, then referrers (NNS's order)
    three = indicators[2]
    assert [(q.form, q.item) for q in three.questions] == [
        ("pagaende", "N3"), ("avslut", "N3"), ("personal", "P3"), ("remittent", "R3")]
    assert three.questions[2].text == "Får stödet som ni ger ta den tid som behövs?"
    sixteen = [(q.form, q.item) for q in indicators[15].questions]
    assert sixteen == [("personal", "P16a"), ("personal", "P16b"), ("chefsgrupp", "C16a"),
                       ("chefsgrupp", "C16b"), ("styrelse", "B16a"), ("styrelse", "B16b")]
    # participants have samtliga, kvinnor, män; professionals one row
    assert [x.group for x in three.questions[0].lines] == ["samtliga", "kvinnor", "man"]
    assert [x.group for x in three.questions[2].lines] == ["samtliga"]


def test_rows_for_each_group_against_a_hand_count(year_data):
    indicators = annual()
    n1 = question(indicators, "pagaende", "N1")
    # women 6,6,6,6,6,4,4,4,3,3,1,1: negative 2, neither 2, positive 8, clearly 5 of 12
    assert figures(line(n1, "kvinnor")) == (12, D("16.7"), D("16.7"), D("66.7"), D("41.7"),
                                            D("100.0"))
    # men 4 x10, 2 x2: negative 2, positive 10, clearly 0 of 12
    assert figures(line(n1, "man")) == (12, D("16.7"), D("0.0"), D("83.3"), D("0.0"),
                                        D("100.0"))
    # everyone: negative 4, neither 2, positive 18, clearly 5 of 24
    assert figures(line(n1)) == (24, D("16.7"), D("8.3"), D("75.0"), D("20.8"), D("100.0"))
    n6a = question(indicators, "avslut", "N6a")
    assert n6a.yes_no
    assert (line(n6a).n, line(n6a).positive, line(n6a).negative, line(n6a).neutral) == (
        12, D("75.0"), D("25.0"), None)  # Ja 9, Nej 3 of 12
    # P3: 1,2,3,4,5,6,6: negative 2, neither 1, positive 4, clearly 3 of 7
    assert figures(line(question(indicators, "personal", "P3"))) == (
        7, D("28.6"), D("14.3"), D("57.1"), D("42.9"), D("100.0"))
    assert figures(line(question(indicators, "remittent", "R3"))) == (
        5, D("0.0"), D("0.0"), D("100.0"), D("0.0"), D("100.0"))
    # B12: 4,4,5,6,2,3: negative 1, neither 1, positive 4, clearly 2 of 6
    assert figures(line(question(indicators, "styrelse", "B12"))) == (
        6, D("16.7"), D("16.7"), D("66.7"), D("33.3"), D("100.0"))


def test_change_against_the_year_before(year_data):
    indicators = annual()
    # the board: 50.0 % positive the year before (2,2,3,4,5,6), 66.7 now
    assert line(question(indicators, "styrelse", "B12")).change == D("16.7")
    assert line(question(indicators, "personal", "P3")).change is None  # nothing before
    assert line(question(annual(EARLIER), "styrelse", "B12")).positive == D("50.0")


def test_small_groups_are_blank_and_one_insats_blanks_the_professionals(year_data):
    indicators = annual()
    # the managers' group: four answered, below 5
    assert figures(line(question(indicators, "chefsgrupp", "C9a"))) == (None,) * 6
    assert figures(line(question(annual(kp=4), "chefsgrupp", "C9a")))[0] == 4
    # avslut: no men, so neither gender row is shown
    n6a = question(indicators, "avslut", "N6a")
    assert line(n6a, "kvinnor").n is None
    assert line(n6a, "man").n is None
    # the board at K 7: blank
    assert line(question(annual(kp=7), "styrelse", "B12")).positive is None
    # professional rows are never shown for one insats (the differencing rule)
    alfa = annual(insats="Alfa")
    assert line(question(alfa, "styrelse", "B12")).n is None
    assert line(question(alfa, "pagaende", "N1")).n == 24


def test_response_rate_of_a_round_with_invited(year_data, monkeypatch):
    def invited(instrument, period, insats):
        return {"nns-personal": 10, "nns-styrelse": 6}.get(instrument)

    monkeypatch.setattr(surveys, "invited", invited)
    indicators = annual()
    assert line(question(indicators, "personal", "P3")).response_rate == D("70.0")  # 7 of 10
    assert line(question(indicators, "styrelse", "B12")).response_rate == D("100.0")
    assert line(question(indicators, "remittent", "R3")).response_rate == D("100.0")  # unknown
    assert line(question(indicators, "pagaende", "N1")).response_rate == D("100.0")


def test_invited_is_unknown_until_a_round_says_it(year_data):
    assert surveys.invited("nns-personal", YEAR, None) is None
    assert line(question(annual(), "personal", "P3")).response_rate == D("100.0")
    surveys.open_round(instruments.get("nns-personal"), YEAR, 10)
    assert surveys.invited("nns-personal", YEAR, None) == 10
    assert line(question(annual(), "personal", "P3")).response_rate == D("70.0")  # 7 of 10


def test_several_years(year_data):
    multi = nns_table.multi_year([EARLIER, YEAR], None, K, KP, ["Alfa"])
    assert multi.years == [EARLIER, YEAR]
    twelve = next(i for i in multi.indicators if i.number == 12)
    board = next(r for r in twelve.rows if (r.form, r.item) == ("styrelse", "B12"))
    assert board.positive == [D("50.0"), D("66.7")]
    staff = next(r for r in next(i for i in multi.indicators if i.number == 3).rows
                 if (r.form, r.item) == ("personal", "P3"))
    assert staff.positive == [None, D("57.1")]


def test_the_page_shows_the_annual_table(client, login, year_data):
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={"rapport": "nns", "period": YEAR.key})
    assert page.status_code == 200
    text = page.text
    first = text.index("Indikator 1")
    assert first < text.index("Indikator 3") < text.index("Indikator 12") < text.index(
        "Indikator 16")
    assert "Får stödet som ni ger ta den tid som behövs?" in text
    assert "↑ 16,7" in text  # the board's change, Swedish decimal comma
    assert "57,1" in text
    assert "(42,9)" in text
    assert "Flera år" in text
    assert f"{EARLIER.year}/{(EARLIER.year + 1) % 100:02d}" in text


def test_the_excel_download_has_the_same_layout(client, login, year_data):
    login("samordnare")
    response = client.get("/personal/rapporter", query_string={
        "rapport": "nns", "period": YEAR.key, "format": "nns-xlsx"})
    assert response.status_code == 200
    assert "filename=stegvis-nns-tabell-" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    cells = list(sheet.iter_rows(values_only=True))
    assert "NNS" in cells[0][0]
    assert YEAR.label() in cells[0][0]
    header = next(r for r in cells if r[1] == "n")
    assert header[2:8] == ("Negativt", "Varken eller", "Positivt", "(Klart positivt)",
                           "Svarsfrekvens", "Förändring mot föregående år (procentenheter)")
    titles = [r[0] for r in cells if r[0] and str(r[0]).startswith("Indikator ")]
    assert [t.split(":")[0] for t in titles] == [f"Indikator {n}" for n in range(1, 17)]
    # an indicator's text is one cell merged across the table
    row_of = next(n for n, r in enumerate(cells, start=1) if r[0] and
                  str(r[0]).startswith("Indikator 12:"))
    assert any(str(m).startswith(f"A{row_of}:") for m in sheet.merged_cells.ranges)
    # the board's question, then its one row with shares as percentages
    q = next(n for n, r in enumerate(cells) if r[0] and "Har ni strukturer för att initiera"
             in str(r[0]) and r[1] is None and "Styrelse" in str(r[0]))
    board = cells[q + 1]
    assert board[1] == 6
    assert [round(v, 3) for v in board[2:7]] == [0.167, 0.167, 0.667, 0.333, 1.0]
    assert board[7] == pytest.approx(16.7)
    number_format = sheet.cell(row=q + 2, column=8).number_format
    assert "↑" in number_format
    assert "↓" in number_format
    assert sheet.cell(row=q + 2, column=5).number_format == "0.0%"
    # several years on the second sheet
    years = book.worksheets[1]
    rows = list(years.iter_rows(values_only=True))
    head = next(r for r in rows if r[0] == "Fråga")
    assert list(head[1:3]) == [f"{EARLIER.year}/{(EARLIER.year + 1) % 100:02d}",
                               f"{YEAR.year}/{(YEAR.year + 1) % 100:02d}"]
    b12 = next(r for r in rows if r[0] and str(r[0]).startswith("B12"))
    assert [round(v, 3) for v in b12[1:3]] == [0.5, 0.667]


def test_the_page_counts_each_year_once(client, login, year_data, monkeypatch):
    """The annual table (this year and the year before) and the years beside it share their
    counts: each NNS year's grids are worked out once per shape, not once per use."""
    from questionnaire.reporting import disclosure

    calls = []
    monkeypatch.setattr(disclosure, "grids",
                        lambda *a, grids=disclosure.grids, **kw: calls.append(a[1]) or grids(
                            *a, **kw))
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={"rapport": "nns", "period": YEAR.key})
    assert page.status_code == 200
    assert sorted(calls) == sorted([EARLIER, EARLIER, YEAR, YEAR])  # two shapes, two years


def test_the_table_in_english_for_staff(client, login, year_data):
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={
        "rapport": "nns", "period": YEAR.key, "lang": "en"})
    assert page.status_code == 200
    assert "Indicator 3: The rehabilitation process can be given the time it needs" in page.text
    assert "Change from the year before (percentage points)" in page.text
    assert "up 16.7 percentage points" in page.text
