"""Comparison between förbund without sharing raw data (issue 16, item 6): `report benchmark`
writes a k-suppressed, versioned aggregate file; `report compare` reads several and shows this
förbund beside the others and their median."""

import copy
import csv
import io
import json

import pytest
import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import AuditEvent
from tests.reportdata import Data

AVSLUT = "nns-avslut"


def benchmark(runner, out, *args, name="Förbund A"):
    result = runner.invoke(args=["report", "benchmark", "--year", "2025", "--name", name,
                                 "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def load(runner, tmp_path, women=12, positive=9, men=12, day="2026-03-01"):
    """`women` with an NNS exit form (`positive` of them answer N1 with 5, the rest 1) and `men`
    with a SKAPA intake rating of 1 and an exit rating of 1 in S1 and 3 in S2, all on `day`."""
    d = Data()
    for n in range(women):
        d.form(d.person("kvinna"), AVSLUT, "exit", day, {"N1": 5 if n < positive else 1})
    for _ in range(men):
        man = d.person("man")
        d.form(man, "skapa", "intake", day, {f"S{k}": 1 for k in range(1, 7)})
        d.form(man, "skapa", "exit", day, {"S1": 1, "S2": 3})
    d.load(runner, tmp_path)


def nns_row(period, item="N1", group="samtliga", form="avslut"):
    return next(r for r in period["nns"] if (r["form"], r["item"], r["group"]) == (
        form, item, group))


def figures_of(row):
    return {k: v for k, v in row.items()
            if k not in ("form", "item", "group", "instrument")
            and v is not None and v != [None] * len(v if isinstance(v, list) else [])}


def test_the_file_is_versioned_documented_and_holds_the_group_figures(runner, tmp_path):
    load(runner, tmp_path)
    data = benchmark(runner, tmp_path / "a.json")
    assert data["format"] == "stegvis-benchmark"
    assert data["schema_version"] == 1
    assert data["forbund"] == "Förbund A"
    assert data["min_group"] == 10
    [period] = data["periods"]
    assert (period["period"], period["start"], period["end"]) == (
        "2025", "2025-11-01", "2026-10-31")
    row = nns_row(period)
    assert (row["n"], row["answered"], row["positive_pct"], row["negative_pct"]) == (
        12, 12, 75.0, 25.0)  # 9 of 12 answered 5
    assert figures_of(nns_row(period, group="kvinnor")) == {}  # no man answered: both blank
    participants = {r["group"]: r for r in period["participants"]}
    # 24 people started (their first rating) and took part in the year; none has exited
    assert (participants["samtliga"]["new"], participants["samtliga"]["ongoing"]) == (24, 24)
    assert participants["samtliga"]["exited"] is None  # 0 people: blank, like a small group
    assert (participants["kvinnor"]["ongoing"], participants["man"]["ongoing"]) == (12, 12)
    skapa = {r["group"]: r for r in period["progression"] if r["instrument"] == "skapa"}
    # 12 men, each improved in one area (S2): 100 % in exactly one area
    assert (skapa["samtliga"]["n"], skapa["samtliga"]["areas_pct"][1],
            skapa["samtliga"]["any_improved_pct"]) == (12, 100.0, 100.0)
    assert figures_of(skapa["man"]) == {}  # no women: both gender rows blank
    text = (tmp_path / "a.json").read_text(encoding="utf-8")
    assert "T-0" not in text  # no participant codes, no insats names
    assert "Alfa" not in text
    last = sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)
    assert db.session.scalar(last) == "benchmark"


def _every_count(data):
    """(K of the row, the persons it is about) for every row with figures in a file."""
    for period in data["periods"]:
        for r in period["participants"]:
            for m in ("new", "ongoing", "exited"):
                if r[m] is not None:
                    yield data["min_group"], r[m]
        for r in period["nns"]:
            if r["answered"] is not None:
                professional = r["form"] not in ("pagaende", "avslut")
                yield (data["min_group_professional"] if professional
                       else data["min_group"]), r["answered"]
        for r in period["progression"]:
            if r["n"] is not None:
                yield data["min_group"], r["n"]


@pytest.mark.parametrize(("k", "nns_shown", "any_shown"), [
    (12, True, True), (13, False, True), (25, False, False)])
def test_no_row_below_k_leaves(runner, tmp_path, k, nns_shown, any_shown):
    load(runner, tmp_path)  # 12 women answer N1, 24 people in all
    data = benchmark(runner, tmp_path / "a.json", "--min-group", str(k))
    assert data["min_group"] == k
    assert (nns_row(data["periods"][0])["positive_pct"] is not None) is nns_shown
    counts = list(_every_count(data))
    assert all(n >= row_k for row_k, n in counts)
    assert bool(counts) is any_shown


@pytest.mark.parametrize("args", [
    [],  # no --out
    ["--out", "x.json", "--year", "2026"],  # the NNS year has not ended
    ["--out", "x.json", "--year", "2025-H1"],  # whole NNS years only
    ["--out", "x.json", "--year", "tjugo"],
    ["--out", "x.json", "--name", "=HYPERLINK(1)"],
])
def test_bad_benchmark_options_fail_clearly(runner, tmp_path, args):
    args = [a.replace("x.json", str(tmp_path / "x.json")) for a in args]
    if "--name" not in args:
        args += ["--name", "Förbund A"]
    result = runner.invoke(args=["report", "benchmark", *args])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.output.strip()
    assert not (tmp_path / "x.json").exists()


def compare(runner, *files, ok=True):
    result = runner.invoke(args=["report", "compare", *map(str, files)])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_round_trip_three_files_beside_this_forbund_and_the_median(runner, tmp_path):
    load(runner, tmp_path)  # A: 9 of 12 positive
    benchmark(runner, tmp_path / "a.json", name="Förbund A")
    load(runner, tmp_path, women=12, positive=0, men=0)  # B: 9 of 24
    benchmark(runner, tmp_path / "b.json", name="Förbund B")
    load(runner, tmp_path, women=16, positive=16, men=0)  # here and C: 25 of 40
    benchmark(runner, tmp_path / "c.json", name="Förbund C")
    result = compare(runner, tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["period", "table", "form", "item", "group", "figure", "this",
                             "Förbund A", "Förbund B", "Förbund C", "median_others"]
    n1 = next(r for r in rows if (r["table"], r["form"], r["item"], r["group"], r["figure"]) ==
              ("nns", "avslut", "N1", "samtliga", "positive_pct"))
    # this förbund is C by now
    assert (n1["period"], n1["this"], n1["Förbund A"], n1["Förbund B"], n1["Förbund C"],
            n1["median_others"]) == ("2025", "62.5", "75.0", "37.5", "62.5", "62.5")
    answered = next(r for r in rows if (r["table"], r["form"], r["item"], r["group"],
                                        r["figure"]) ==
                    ("nns", "avslut", "N1", "samtliga", "answered"))
    assert (answered["Förbund A"], answered["Förbund B"], answered["median_others"]) == (
        "12", "24", "24")
    ongoing = next(r for r in rows if (r["table"], r["group"], r["figure"]) ==
                   ("participants", "samtliga", "ongoing"))
    assert (ongoing["this"], ongoing["Förbund A"], ongoing["Förbund B"],
            ongoing["Förbund C"], ongoing["median_others"]) == ("52", "24", "36", "52", "36")
    two = compare(runner, tmp_path / "a.json", tmp_path / "b.json")
    n1 = next(r for r in csv.DictReader(io.StringIO(two.stdout))
              if (r["table"], r["form"], r["item"], r["group"], r["figure"]) ==
              ("nns", "avslut", "N1", "samtliga", "positive_pct"))
    assert n1["median_others"] == "56.3"  # (75.0 + 37.5) / 2, half up


def _bad(tmp_path, good, change, name="bad.json"):
    data = copy.deepcopy(good)
    text = change(data)
    path = tmp_path / name
    path.write_text(text if isinstance(text, str) else json.dumps(data), encoding="utf-8")
    return path


def _set(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


BAD_FILES = {
    "not json": (lambda d: '{"format": "stegvis-benchmark", ', "JSON"),
    "another format": (_set(["format"], "star-online"), "format"),
    "newer schema": (_set(["schema_version"], 2), "2"),
    "no periods": (lambda d: d.pop("periods") and None, "periods"),
    "a row below K": (_set(["periods", 0, "participants", 0, "ongoing"], 3), "3"),
    "a share over 100": (_set(["periods", 0, "nns", 0, "positive_pct"], 150.0), "150"),
    "a formula as name": (_set(["forbund"], "=cmd()"), "forbund"),
    "a running year": (_set(["periods", 0, "period"], "2099"), "2099"),
    "a text count": (_set(["periods", 0, "participants", 0, "new"], "12"), "new"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_whole_with_its_name_and_reason(runner, tmp_path, case):
    load(runner, tmp_path)
    good = benchmark(runner, tmp_path / "good.json")
    other = benchmark(runner, tmp_path / "other.json", name="Förbund B")
    assert other["forbund"] == "Förbund B"
    change, says = BAD_FILES[case]
    bad = _bad(tmp_path, good, change)
    result = compare(runner, tmp_path / "other.json", bad, ok=False)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.stdout == ""  # nothing half-read, nothing shown
    assert "bad.json" in result.stderr
    assert says in result.stderr
    assert "other.json" not in result.stderr  # the good file has nothing wrong


def test_every_bad_file_is_named_and_a_missing_one_too(runner, tmp_path):
    load(runner, tmp_path)
    good = benchmark(runner, tmp_path / "good.json")
    first = _bad(tmp_path, good, _set(["schema_version"], 0), "first.json")
    second = _bad(tmp_path, good, _set(["min_group"], -1), "second.json")
    result = compare(runner, first, second, tmp_path / "missing.json", ok=False)
    assert result.exit_code != 0
    for name in ("first.json", "second.json", "missing.json"):
        assert name in result.stderr
    assert result.stdout == ""


def test_compare_needs_files_and_refuses_the_same_forbund_twice(runner, tmp_path):
    assert compare(runner, ok=False).exit_code != 0
    load(runner, tmp_path)
    benchmark(runner, tmp_path / "a.json")
    benchmark(runner, tmp_path / "again.json")
    result = compare(runner, tmp_path / "a.json", tmp_path / "again.json", ok=False)
    assert result.exit_code != 0
    assert "Förbund A" in result.stderr
    assert "Traceback" not in result.output


def _upload(client, *files):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/personal/jamforelse")
    return client.post("/personal/jamforelse", data={
        "csrf_token": token,
        "filer": [(io.BytesIO(content), name) for name, content in files]},
        content_type="multipart/form-data")


def test_the_comparison_page(client, login, runner, tmp_path):
    load(runner, tmp_path)
    a = benchmark(runner, tmp_path / "a.json", name="Förbund A")
    load(runner, tmp_path, women=12, positive=0, men=0)
    b = benchmark(runner, tmp_path / "b.json", name="Förbund B")
    login("analytiker")
    assert client.get("/personal/jamforelse").status_code == 200
    page = _upload(client, ("a.json", json.dumps(a).encode()),
                   ("b.json", json.dumps(b).encode()))
    assert page.status_code == 200
    assert "Förbund A" in page.text
    assert "Förbund B" in page.text
    assert "56,3" in page.text  # the median of 75.0 and 37.5, in Swedish
    bad = _upload(client, ("a.json", json.dumps(a).encode()), ("trasig.json", b"{"))
    assert bad.status_code == 400
    assert "trasig.json" in bad.text
    assert "56,3" not in bad.text  # nothing compared
    assert _upload(client).status_code == 400
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("compare") == 1
