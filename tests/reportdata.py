"""Small hand-made data sets for the report tests, loaded through the paper import."""

from __future__ import annotations

import itertools

HEADER = "participant,gender,birth_year,insats,instrument,timepoint,respondent,item,value,answered_on"
_codes = itertools.count(1)


class Data:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def person(self, gender: str = "kvinna", birth_year: str = "1990") -> tuple[str, str, str]:
        return (f"T-{next(_codes):04d}", gender, birth_year)

    def form(self, person, instrument: str, timepoint: str, day: str, values: dict,
             respondent: str = "", insats: str = "Alfa") -> None:
        code, gender, birth_year = person
        for item, value in values.items():
            text = "" if value is None else str(value)
            if "," in text:
                text = f'"{text}"'
            self.lines.append(f"{code},{gender},{birth_year},{insats},{instrument},{timepoint},"
                              f"{respondent},{item},{text},{day}")

    def load(self, runner, tmp_path) -> None:
        path = tmp_path / f"data{next(_codes)}.csv"
        path.write_text("\n".join([HEADER, *self.lines]) + "\n", encoding="utf-8")
        result = runner.invoke(args=["import-answers", str(path)])
        assert result.exit_code == 0, result.output


def load_nns_and_skapa(runner, tmp_path) -> None:
    """Twelve women with an NNS exit form (nine answer N1 with 5) and twelve men with a SKAPA
    intake rating, all on 2026-03-01: enough for the report pages to show figures at K = 10."""
    d = Data()
    for n in range(12):
        d.form(d.person("kvinna"), "nns-avslut", "exit", "2026-03-01", {"N1": 5 if n < 9 else 1})
        d.form(d.person("man"), "skapa", "intake", "2026-03-01",
               {f"S{k}": 1 + (n + k) % 5 for k in range(1, 7)})
    d.load(runner, tmp_path)
