"""The command line of domain.md part B: `flask --app app COMMAND`.

A command that fails prints why on stderr and exits non-zero. Commands own their transaction.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import gc
import json
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

import click
import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from questionnaire import audit, demo, importer, instruments, migrate, privacy
from questionnaire.answering import answers, links
from questionnaire.auth import password_problem
from questionnaire.casework import caseload, codes, schedule
from questionnaire.extensions import db
from questionnaire.models import ROLES, Insats, InsatsStaff, Participant, User
from questionnaire.reporting import benchmark, export, periods, reports, tables

# A command's process ends without Python's last collection of every object the app made (the
# objects go with the process): that took 0.15 s of each command, a twentieth of an export.
atexit.register(gc.freeze)


def fail(message: str) -> NoReturn:
    db.session.rollback()
    click.echo(message, err=True)
    sys.exit(1)


def find_participant(code: str) -> Participant:
    """The participant with this code (caseload.find_participant), or fail saying why."""
    person = caseload.find_participant(code)
    if person is None:
        if codes.looks_generated(code) and not codes.is_valid(code):
            fail(_("Koden %(code)s har fel kontrolltecken: kontrollera att den är rätt "
                   "avskriven.", code=code))
        fail(_("Det finns ingen deltagare med koden %(code)s", code=code))
    return person


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the schema (safe to run again)."""
    migrate.upgrade()
    click.echo(_("Databasen är klar."))


@click.command("demo-data")
@click.option("--participants", default=demo.DEFAULT_PARTICIPANTS, show_default=True,
              type=click.IntRange(1, 1_000_000))
@click.option("--seed", type=int, default=None, help="Same seed, same data.")
def demo_data(participants: int, seed: int | None) -> None:
    """Fill a demo insats with synthetic participants and answers."""
    migrate.upgrade()
    result = demo.generate(participants, seed, dt.date.today())
    person = find_participant(result.link_code)
    token = links.create(person)
    db.session.commit()
    click.echo(_("Demoinsats: %(name)s (%(n)s nya deltagare)", name=result.insats,
                 n=result.participants + 1))
    click.echo(_("Inloggning för handledare: %(login)s  lösenord: %(pw)s",
                 login=result.login, pw=result.password))
    click.echo(_("Deltagarlänk för %(code)s: %(url)s", code=codes.display(result.link_code),
                 url=links.url(token)))


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--insats", "insats_name", default=None, help="Name of an insats to work in.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, role: str, insats_name: str | None, password_stdin: bool) -> None:
    """Create a staff account (the password is asked for, never given as an argument)."""
    email = email.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) or len(email) > 254:
        fail(_("Ogiltig e-postadress: %(email)s", email=email))
    if db.session.scalar(sa.select(User).filter_by(email=email)) is not None:
        fail(_("Det finns redan ett konto för %(email)s", email=email))
    insats = None
    if insats_name is not None:
        insats = db.session.scalar(sa.select(Insats).filter_by(name=insats_name))
        if insats is None:
            fail(_("Insatsen %(name)s finns inte", name=insats_name))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt(_("Lösenord"), hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        fail(_("Lösenordet måste ha minst 10 tecken."))
    problem = password_problem(password, email=email)
    if problem:
        fail(problem)
    user = User(email=email, role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    if insats is not None:
        db.session.add(InsatsStaff(insats_id=insats.id, user_id=user.id))
    audit.record("create_user", subject=email, role=role, insats=insats_name)
    db.session.commit()
    click.echo(_("Kontot %(email)s (%(role)s) är skapat.", email=email, role=role))


@click.command("participant-link")
@click.argument("code")
def participant_link(code: str) -> None:
    """Print a one-time URL that opens the participant's next due questionnaire."""
    person = find_participant(code)
    enrolment = answers.current_enrolment(person.id)
    if enrolment is None:
        fail(_("%(code)s är inte inskriven i någon insats", code=code))
    due = schedule.due_now(
        enrolment, enrolment.insats, answers.completed_slots(enrolment), dt.date.today()
    )
    if not due:
        fail(_("%(code)s har ingen enkät att fylla i just nu", code=code))
    token = links.create(person)
    audit.record("participant_link", subject=person.code)
    db.session.commit()
    click.echo(links.url(token))


@click.command("import-answers")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_answers(file: Path) -> None:
    """Import answers from a CSV file (all rows or none)."""
    try:
        data = file.read_bytes()
    except OSError as e:
        fail(_("Filen kan inte läsas: %(e)s", e=e.strerror or e))
    result = importer.import_file(data)
    if result.errors:
        for line, reason in result.errors:
            click.echo(f"{file.name}:{line}: {reason}", err=True)
        fail(_("Inget importerades: %(n)s fel.", n=len(result.errors)))
    audit.record("import_answers", file=file.name, questionnaires=result.questionnaires,
                 answers=result.answers, new_participants=result.new_participants,
                 anonymous_responses=result.responses)
    try:
        db.session.commit()
    except sa.exc.SQLAlchemyError as e:
        fail(_("Inget importerades: databasen sa nej (%(e)s).", e=type(e).__name__))
    click.echo(_("Importerade %(q)s enkäter med %(a)s svar (%(p)s nya deltagare).",
                 q=result.questionnaires, a=result.answers, p=result.new_participants))
    if result.responses:
        click.echo(_("Därav %(n)s anonyma svar på formulär för yrkesverksamma (inga deltagare).",
                     n=result.responses))


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(_("skriv datumet som ÅÅÅÅ-MM-DD")) from None
    if not 1900 <= day.year <= 9998:
        raise click.BadParameter(_("datumet ska ligga mellan år 1900 och 9998"))
    return day


def _write_table(sheet: str, header, rows, fmt: str, out: str | None) -> None:
    """A report's table as csv, csv-excel or xlsx, to `out` (csv to stdout without one)."""
    try:
        if fmt == "xlsx":
            book = tables.Workbook(out)
            book.sheet(sheet, header, rows)
            book.close()
        elif out is None:
            tables.write_csv(sys.stdout, header, rows, excel=fmt == "csv-excel")
        else:
            with open(out, "w", encoding="utf-8", newline="") as f:
                tables.write_csv(f, header, rows, excel=fmt == "csv-excel")
    except OSError as e:
        fail(_("Kan inte skriva %(out)s: %(e)s", out=out or "stdout", e=e.strerror or e))


def _filters(start: dt.date | None, end: dt.date | None, insats: str | None,
             min_group: int = 10) -> reports.Filters:
    if start and end and start > end:
        fail(_("--from ligger efter --to"))
    known = insats is None or db.session.scalar(sa.select(Insats.id).filter_by(name=insats))
    if not known:
        fail(_("Insatsen %(name)s finns inte", name=insats))
    return reports.Filters(start, end, insats, min_group)


period_options = [
    click.option("--from", "start", callback=_date, help="YYYY-MM-DD, inclusive"),
    click.option("--to", "end", callback=_date, help="YYYY-MM-DD, inclusive"),
    click.option("--insats", default=None, help="Only this insats (by name)."),
]


def with_period(f):
    for option in reversed(period_options):
        f = option(f)
    return f


#: Reports about one self-rating instrument (`--instrument`).
SELF_RATING_REPORTS = ("progression", "profile", "paired")


@click.command("report")
@click.argument("name", type=click.Choice(sorted(reports.REPORTS)))
@with_period
@click.option("--min-group", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--min-group-professional", type=click.IntRange(1, 1000), default=5,
              show_default=True, help="nns: the small-group rule of the professional forms.")
@click.option("--instrument", "instrument_key", default=reports.DEFAULT_INSTRUMENT,
              show_default=True, help="The self-rating instrument (progression, profile, paired).")
@click.option("--end", "end_timepoint", type=click.Choice(reports.END_TIMEPOINTS),
              default="exit", show_default=True,
              help="progression, areas: the end point (the exit, or a follow-up after exit).")
@click.option("--format", "fmt", type=click.Choice(["csv", "csv-excel", "xlsx"]), default="csv",
              help="csv: for programs (comma); csv-excel: for Excel with Swedish settings.")
@click.option("--out", type=click.Path(dir_okay=False), default=None)
def report(name: str, start: dt.date | None, end: dt.date | None, insats: str | None,
           min_group: int, min_group_professional: int, instrument_key: str,
           end_timepoint: str, fmt: str, out: str | None) -> None:
    """Group reports: nns, progression, profile, skapa, paired, participants (small groups
    suppressed)."""
    if fmt == "xlsx" and out is None:
        fail(_("Excel skrivs till en fil: ange --out"))
    filters = _filters(start, end, insats, min_group)
    try:
        inst = instruments.get(instrument_key)
    except KeyError:
        fail(_("Instrumentet %(key)s finns inte", key=instrument_key))
    if name in SELF_RATING_REPORTS and not (inst.individual_results and inst.areas):
        fail(_("%(key)s är ingen självskattning med områden", key=instrument_key))
    filters = dataclasses.replace(filters, instrument=inst.key,
                                  min_group_professional=min_group_professional,
                                  end_timepoint=end_timepoint)
    header, rows = reports.REPORTS[name].header(filters), reports.REPORTS[name].rows(filters)
    _write_table(name, header, rows, fmt, out)
    audit.record("report", report=name, start=start, end=end, insats=insats,
                 min_group=min_group, min_group_professional=min_group_professional,
                 instrument=inst.key, rows=len(rows))
    db.session.commit()


@click.command("export")
@click.option("--out", type=click.Path(dir_okay=False), required=True)
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default="csv",
              help="csv: for programs (comma); csv-excel: for Excel with Swedish settings.")
@with_period
@click.option("--include-free-text", is_flag=True, help="Also the answers to F11-F13.")
def export_command(out: str, fmt: str, start: dt.date | None, end: dt.date | None,
                   insats: str | None, include_free_text: bool) -> None:
    """Pseudonymised export: a ZIP of CSV files, or one Excel workbook."""
    filters = _filters(start, end, insats)
    try:
        result = export.write(out, fmt, filters, include_free_text)
    except OSError as e:
        fail(_("Kan inte skriva %(out)s: %(e)s", out=out, e=e.strerror or e))
    db.session.commit()
    click.echo(_("Exporterade %(a)s svar från %(q)s enkäter till %(out)s", a=result.answers,
                 q=result.assessments, out=out), err=True)


@click.command("erase")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(code: str, yes: bool) -> None:
    """Erase a participant and all their answers (GDPR). Cannot be undone."""
    person = find_participant(code)
    if not yes and not click.confirm(_("Radera %(code)s och alla svar för alltid?", code=code)):
        fail(_("Inget raderades."))
    privacy.erase(person)
    db.session.commit()
    click.echo(_("%(code)s är raderad.", code=code))


@click.command("purge")
@click.option("--months", type=click.IntRange(1, 1200), default=None,
              help="Erase participants whose last exit was more than this many months ago "
                   "(default STEGVIS_RETENTION_MONTHS, 24).")
@click.option("--dry-run", is_flag=True, help="Only count.")
def purge_command(months: int | None, dry_run: bool) -> None:
    """Retention: erase participants N months after exit (for a nightly timer)."""
    months = months or int(os.environ.get("STEGVIS_RETENTION_MONTHS", "24"))
    if dry_run:
        count = len(privacy.expired(months, dt.date.today()))
        click.echo(_("%(n)s deltagare skulle raderas.", n=count))
        return
    count = privacy.purge(months, dt.date.today())
    db.session.commit()
    click.echo(_("%(n)s deltagare raderade (avslutade för mer än %(m)s månader sedan).",
                 n=count, m=months))


@click.group("instrument")
def instrument_group() -> None:
    """Instruments as XLSForm files: add, list, export (docs/instruments.md)."""


@instrument_group.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def instrument_add(file: Path) -> None:
    """Validate an XLSForm file whole and publish it (a new version if its content is new)."""
    try:
        definition = instruments.read(file.read_bytes())
    except instruments.FormErrors as e:
        for line in e.lines(file.name):
            click.echo(line, err=True)
        fail(_("Inget lades till: %(n)s fel.", n=len(e.problems)))
    except OSError as e:
        fail(_("Kan inte läsa %(file)s: %(e)s", file=file, e=e.strerror or e))
    inst, added = instruments.publish(definition)
    if added:
        audit.record("instrument_add", subject=f"{inst.key}@{inst.version}",
                     checksum=inst.checksum)
    db.session.commit()
    if added:
        click.echo(_("%(key)s version %(v)s är publicerad (%(n)s frågor).", key=inst.key,
                     v=inst.version, n=len(inst.items)))
    else:
        click.echo(_("%(key)s: samma innehåll som version %(v)s finns redan; inget ändrades.",
                     key=inst.key, v=inst.version))


@instrument_group.command("list")
def instrument_list() -> None:
    """Every instrument: key, versions, languages, items."""
    click.echo("key\tversions\tlanguages\titems\tresults\ttitle")
    for newest in instruments.published():
        versions = [i.version for i in instruments.versions(newest.key)]
        click.echo("\t".join((
            newest.key, ",".join(map(str, versions)), ",".join(instruments.locales(newest)),
            str(len(newest.items)), "individual" if newest.individual_results else "group",
            newest.title)))


@instrument_group.command("export")
@click.argument("key")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--version", "version", type=int, default=None, help="Default: the newest.")
def instrument_export(key: str, out: Path, version: int | None) -> None:
    """Write a version back as an XLSForm file (adding it again changes nothing)."""
    try:
        data = instruments.export_file(key, version)
    except KeyError:
        fail(_("Instrumentet %(key)s finns inte", key=key if version is None
               else f"{key}@{version}"))
    try:
        out.write_bytes(data)
    except OSError as e:
        fail(_("Kan inte skriva %(out)s: %(e)s", out=out, e=e.strerror or e))
    click.echo(_("Skrev %(out)s", out=out))


@click.command("audit-verify")
def audit_verify() -> None:
    """Check the audit log's hash chain: exits 1 and names the rows where it breaks."""
    rows = broken = 0
    head = None
    for event_id, row_hash in audit.verify():
        rows += 1
        if row_hash is None:
            broken += 1
            click.echo(_("Rad %(id)s i loggen stämmer inte med kedjan: den är ändrad, eller en "
                         "rad före den är borttagen eller tillagd.", id=event_id), err=True)
        head = row_hash or head
    if broken:
        fail(_("Loggen är ändrad: %(n)s av %(rows)s rader stämmer inte.", n=broken, rows=rows))
    click.echo(_("Loggen är hel: %(rows)s händelser. Senaste kedjesumma: %(head)s",
                 rows=rows, head=head or "-"))


class ReportGroup(click.Group):
    """`report NAME [options]`: the group reports of reports.REPORTS (one command each, the
    options of `report` above), and `report benchmark` / `report compare` between förbund."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in reports.REPORTS:
            return click.Command(
                cmd_name, params=[p for p in report.params if p.name != "name"],
                callback=lambda **kwargs: report.callback(cmd_name, **kwargs),
                help=f"The {cmd_name} group report (small groups suppressed).")
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*reports.REPORTS, *self.commands})


@click.group("report", cls=ReportGroup)
def report_group() -> None:
    """Group reports (small groups suppressed), and comparisons between förbund."""


def _nns_year(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
              ) -> list[periods.Period]:
    today = dt.date.today()
    found = []
    for value in values:
        year = periods.parse(value)
        if year is None or year.level != "year":
            raise click.BadParameter(_("skriv ett NNS-år som ÅÅÅÅ (2025 är 1 november 2025 – "
                                       "31 oktober 2026), inte %(v)s", v=value))
        if year.end >= today:
            raise click.BadParameter(_("NNS-året %(v)s är inte slut än", v=value))
        found.append(year)
    return found or [periods.last_complete(today)]


@report_group.command("benchmark")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--name", required=True, help="The förbund's name, as others will see it.")
@click.option("--year", "years", multiple=True, callback=_nns_year,
              help="An NNS year that has ended (YYYY: 1 Nov YYYY - 31 Oct); again for more. "
                   "Default: the last one.")
@click.option("--min-group", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--min-group-professional", type=click.IntRange(1, 1000), default=5,
              show_default=True)
def benchmark_command(out: Path, name: str, years: list[periods.Period], min_group: int,
                      min_group_professional: int) -> None:
    """Write the förbund's group figures to a file for comparison (docs/benchmark.md)."""
    from questionnaire import __version__

    if not benchmark.valid_name(name):
        fail(_("Namnet får bara ha bokstäver, siffror, mellanslag och .,&()'/- och börja med en "
               "bokstav eller siffra."))
    data = benchmark.build(name, years, min_group, min_group_professional, __version__,
                           dt.date.today())
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        fail(_("Kan inte skriva %(out)s: %(e)s", out=out, e=e.strerror or e))
    audit.record("benchmark", file=out.name, years=[y.key for y in years], min_group=min_group,
                 min_group_professional=min_group_professional)
    db.session.commit()
    click.echo(_("Skrev %(out)s: %(n)s NNS-år, grupper under %(k)s tomma.", out=out,
                 n=len(years), k=min_group), err=True)


@report_group.command("compare")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--min-group", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="The small-group rule of this förbund's own figures.")
@click.option("--min-group-professional", type=click.IntRange(1, 1000), default=5,
              show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "csv-excel", "xlsx"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False), default=None)
def compare_command(files: tuple[Path, ...], min_group: int, min_group_professional: int,
                    fmt: str, out: str | None) -> None:
    """Show this förbund beside the förbund of benchmark FILES and their median."""
    if fmt == "xlsx" and out is None:
        fail(_("Excel skrivs till en fil: ange --out"))
    today = dt.date.today()
    others, bad, names = [], 0, {}
    for file in files:
        try:
            data, problems = benchmark.read(file.read_bytes(), today)
        except OSError as e:
            data, problems = None, [_("filen kan inte läsas: %(e)s", e=e.strerror or e)]
        if data is not None and data["forbund"] in names:
            problems = [_("%(name)s finns redan i %(other)s: ett förbund en gång",
                          name=data["forbund"], other=names[data["forbund"]])]
        if problems:
            bad += 1
            for problem in problems:
                click.echo(f"{file}: {problem}", err=True)
            continue
        names[data["forbund"]] = file.name
        others.append(data)
    if bad:
        fail(_("Inget jämfördes: %(n)s av %(all)s filer har fel.", n=bad, all=len(files)))
    years = sorted({periods.parse(p["period"]) for o in others for p in o["periods"]})
    here = benchmark.build("this", years, min_group, min_group_professional, "", today)
    header, rows = benchmark.compare(here, others)
    _write_table("compare", header, rows, fmt, out)
    audit.record("compare", files=[f.name for f in files], forbund=list(names),
                 min_group=min_group, rows=len(rows))
    db.session.commit()


def register(app: Flask) -> None:
    for command in (init_db, demo_data, create_user, participant_link, import_answers,
                    report_group,
                    export_command, erase_command, purge_command, audit_verify,
                    instrument_group):
        app.cli.add_command(command)
