"""What the translation review (issue 17) found, as rules that a catalog edit can break again:
ordered scale steps, Dari that is Dari, plural forms, lättläst that keeps NNS's questions, a true
translation note and privacy promise, the reviewer's page and the review status."""

import json
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po, write_po
from babel.support import Translations
from flask_babel import force_locale, ngettext

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.i18n import LANGUAGES
from questionnaire.models import Questionnaire
from tools import catalogs

LOCALES = [lang.code for lang in LANGUAGES if lang.code != "sv"]
SCALES = {}
#: The scales of the shipped participant forms, read from their files (no database needed at
#: collection time).
for _inst in (instruments.xlsform.build(instruments.read(path.read_bytes()), 1)
              for path in sorted(instruments.FILES.glob("*.xlsx"))):
    if not _inst.for_participants:  # professional forms are Swedish only
        continue
    for _item in _inst.items:
        if _item.scale is not None:
            SCALES.setdefault(_item.scale.key, _item.scale)


def tr(code: str, msgid: str) -> str:
    return Translations.load(str(catalogs.TRANSLATIONS), [code], "messages").gettext(msgid)


def everything(code: str) -> list[str]:
    with (catalogs.TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return [s for m in read_po(f) if m.id
                for s in (m.string if isinstance(m.string, tuple) else (m.string,))]


# 1. Every step of a scale reads differently from the others, in every language.
@pytest.mark.parametrize("code", LOCALES)
def test_no_two_steps_of_a_scale_translate_alike(code):
    for scale in SCALES.values():
        labels = [tr(code, s.label).strip().casefold() for s in scale.steps]
        assert len(set(labels)) == len(labels), (code, scale.key, labels)


# The near-synonyms the review quoted (and the words that read as another step) are gone.
@pytest.mark.parametrize(("code", "msgid", "quoted"), [
    ("ar", "Ofta", "غالبًا"),
    ("fa", "Ofta", "اغلب"),
    ("fa_AF", "Ofta", "اغلب"),
    ("fa_AF", "För det mesta", "اکثراً"),
    ("so", "Ofta", "Badanaa"),
    ("ti", "Troligen", "ብዝበዝሐ"),  # "mostly"
    ("ti", "Aldrig", "ፈጺሙ"),  # alone it can read "entirely"
    ("ti", "Sällan", "ሳሕቲ"),  # close to "sometimes"
    ("sv@lattlast", "För det mesta", "Nästan alltid"),
    ("sv@lattlast", "Till viss del", "Ganska lite"),
])
def test_the_overlapping_steps_the_review_quoted_are_replaced(code, msgid, quoted):
    assert tr(code, msgid) != quoted


def test_the_middle_of_the_extent_scale_is_a_true_middle_in_lattlast():
    assert tr("sv@lattlast", "Till viss del") == "Mitt emellan"
    assert tr("sv@lattlast", "För det mesta") == "För det mesta"


# 3. Dari is Dari.
def test_dari_uses_afghan_words_where_persian_differs():
    dari = everything("fa_AF")
    assert not [s for s in dari if "بله" in s]
    assert not [s for s in dari if "سلامتی" in s or "خدمات درمانی" in s]
    assert tr("fa_AF", "Ja") == "بلی"
    assert tr("fa_AF", "Hälsa") == "صحت"
    assert "خدمات صحی" in tr("fa_AF", "Stödjer insatsen dig i kontakterna med myndigheterna "
                                      "och vården?")
    persian = everything("fa")
    same = sum(1 for d, p in zip(dari, persian, strict=True) if d == p)
    assert same < len(dari) / 3, f"{same} of {len(dari)} Dari strings are the Persian ones"


# 4. Further errors the review quoted.
def stem(text: str) -> str:
    """Ethiopic syllables reduced to their consonant (መደብ and መደበይ share the stem መደበ);
    other scripts unchanged."""
    return "".join(chr(ord(c) - (ord(c) - 0x1200) % 8) if 0x1200 <= ord(c) < 0x1348 else c
                   for c in text)


@pytest.mark.parametrize("code", ["fa", "fa_AF", "ti"])
def test_insats_and_plan_are_different_words(code):
    insats = tr(code, "Insats:").rstrip(":፦ ").split()[0]
    plan = tr(code, "Min plan")
    assert stem(insats) not in stem(plan), (insats, plan)
    assert insats in tr(code, "Stödjer insatsen dig i kontakterna med myndigheterna och vården?")


TIGRINYA_IMPERATIVES = ["Logga in för att fortsätta.", "Ändra", "Lås upp", "Läs upp",
                        "Skicka in mina svar", "Sluta läsa", "Välj ett av svarsalternativen.",
                        "Lämna tillbaka surfplattan"]


@pytest.mark.parametrize("msgid", TIGRINYA_IMPERATIVES)
def test_tigrinya_speaks_in_the_polite_plural(msgid):
    # The polite (plural) imperative ends in the u-order of its last consonant (ቀይሩ, እተዉ);
    # the masculine singular does not (ቀይር, እቶ).
    text = tr("ti", msgid).rstrip("።!…")
    last = text.split()[-1][-1]
    assert (ord(last) - 0x1200) % 8 == 1, text


def test_tigrinya_n1_asks_for_great_use_not_the_most_useful_way():
    assert "ብዝዓበየ" not in tr("ti", "Får du stöd på ett sätt som är till stor nytta för dig?")


def test_somali_n7_keeps_more_ready():
    text = tr("so", "Känner du dig mer redo att kunna arbeta/studera jämfört med innan du fick "
                    "kontakt med oss?")
    assert "ka badan" in text  # "more"


@pytest.mark.parametrize(("code", "literal"), [
    ("en", "Belief in work"), ("uk", "Віра в роботу"), ("ar", "الثقة في العمل")])
def test_the_area_tro_pa_arbete_means_belief_that_one_can_work(code, literal):
    assert tr(code, "Tro på arbete") != literal


def test_ukrainian_names_the_chart_naturally():
    assert "Павутинна" not in " ".join(everything("uk"))


@pytest.mark.parametrize(("code", "count", "expected"), [
    ("en", 1, "1 answer waiting"), ("en", 2, "2 answers waiting"),
    ("ar", 1, "إجابة واحدة"), ("ar", 2, "إجابتان"), ("ar", 3, "3 إجابات"),
    ("ar", 11, "11 إجابةً"), ("ar", 100, "100 إجابة "),
    ("uk", 1, "1 відповідь"), ("uk", 3, "3 відповіді"), ("uk", 5, "5 відповідей"),
])
def test_waiting_answers_use_the_languages_plural_forms(app, code, count, expected):
    with app.test_request_context(), force_locale(code):
        text = ngettext("Sparas när nätet är tillbaka (%(num)s svar väntar)",
                        "Sparas när nätet är tillbaka (%(num)s svar väntar)", count)
    assert expected in text


def test_the_question_page_carries_every_count_for_the_offline_queue(
        client, make_participant, open_link):
    page = client.get(open_link(make_participant(language="ar")), follow_redirects=True)
    data = json.loads(re.search(r'id="questionnaire-data">(.*?)</script>', page.text).group(1))
    assert "إجابة واحدة" in data["queued"]["1"]
    assert "إجابات" in data["queued"]["3"]


def test_one_improved_area_is_one_of_six_areas_in_english(app):
    msgid = "%(num)s av %(total)s områden har blivit bättre sedan inskrivningen."
    with app.test_request_context(), force_locale("en"):
        assert ngettext(msgid, msgid, 1, total=6) == "1 of 6 areas has improved since enrolment."
        assert ngettext(msgid, msgid, 2, total=6) == "2 of 6 areas have improved since enrolment."


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_msgfmt_accepts_every_catalog():
    for domain in catalogs.DOMAINS:
        for po in catalogs.catalogs(domain):
            done = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po)],
                                  capture_output=True, text=True)
            assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_the_catalog_check_runs_msgfmt(tmp_path, monkeypatch, capsys):
    copy = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS, copy)
    po = copy / "en" / "LC_MESSAGES" / "staff.po"
    text = po.read_text()
    flagged = '#, no-python-format\nmsgid "% sämre"'
    assert flagged in text  # "% s" looks like a conversion, but it is a percent sign
    po.write_text(text.replace(flagged, '#, python-format\nmsgid "% sämre"'))
    monkeypatch.setattr(catalogs, "TRANSLATIONS", copy)
    assert catalogs.check() == 1
    assert "en/staff: msgfmt -c" in capsys.readouterr().err


# 5. Lättläst simplifies NNS's words, not its questions.
@pytest.mark.parametrize(("msgid", "keeps"), [
    ("Får stödet ta den tid du behöver?", "stödet"),
    ("Har stödet fått ta den tid du behövt?", "stödet"),
    ("Har det stöd du fått hjälpt dig att hantera din situation?", "klara"),
    ("Finns det en tillräcklig planering för vad som ska hända efter att detta stöd upphört?",
     "räcker"),
    ("Kommer det som är planerat att påbörjas inom rimlig tid?", "rimlig tid"),
    ("Upplever du att personalen tar tillvara på dina erfarenheter, såsom kunskaper och "
     "synpunkter?", "tar vara på"),
    ("Upplever du att personalen tagit tillvara dina erfarenheter, såsom kunskaper och "
     "synpunkter?", "tagit vara på"),
])
def test_lattlast_keeps_what_nns_asks(msgid, keeps):
    text = tr("sv@lattlast", msgid)
    assert keeps in text
    assert "lyssnar" not in text  # listening is indicator 8, not 9


def nns_page(client, make_participant, open_link, language):
    person = make_participant(days_ago=200, language=language)  # the 6-month forms are due
    open_link(person)
    q = db.session.scalars(sa.select(Questionnaire).filter_by(instrument="nns-pagaende")
                           .order_by(Questionnaire.id.desc())).first()
    return client.get(f"/q/{q.id}/fraga/N9", follow_redirects=True)


def test_lattlast_nns_pages_show_the_official_swedish_one_tap_away(client, make_participant,
                                                                   open_link):
    page = nns_page(client, make_participant, open_link, "sv@lattlast")
    official = ("Upplever du att personalen tar tillvara på dina erfarenheter, såsom kunskaper "
                "och synpunkter?")
    details = re.search(r'<details class="original".*?</details>', page.text, re.S)
    assert details, "no <details> with the original"
    assert official in details.group(0)
    data = json.loads(re.search(r'id="questionnaire-data">(.*?)</script>', page.text).group(1))
    assert {i["key"]: i["original"] for i in data["items"]}["N9"] == official  # drawn offline too
    english = nns_page(client, make_participant, open_link, "en")
    assert '<details class="original"' not in english.text


# 6. The translation note and the privacy promise say what is true.
NOTE = ("NNS har skrivit frågorna på svenska. Stegvis har översatt dem. Svaren räknas likadant "
        "på alla språk.")


@pytest.mark.parametrize("code", LOCALES)
def test_the_translation_note_is_translated_everywhere(code):
    assert tr(code, NOTE) != NOTE or code == "sv@lattlast"
    assert "officiell" not in tr(code, NOTE)


def test_the_note_is_shown_on_translated_nns_pages(client, make_participant, open_link):
    page = nns_page(client, make_participant, open_link, "ar")
    assert tr("ar", NOTE) in page.text
    assert "رسمية" not in page.text  # no more "not official"


def test_somali_promise_is_that_staff_never_see_answers_one_by_one():
    intro = tr("so", "Frågorna handlar om stödet du får just nu. Dina svar är anonyma för "
                     "personalen: de visas bara tillsammans med andras svar.")
    assert "ma oga" not in intro  # "staff don't know your answers" is not the promise


# 1 and 7. The reviewer's page and the review status.
def test_the_review_page_shows_every_scale_side_by_side_in_every_language(client, login):
    login("samordnare")
    page = client.get("/personal/oversattningar")
    assert page.status_code == 200
    for lang in LANGUAGES:
        assert f'lang="{lang.tag}"' in page.text
    for scale in SCALES.values():
        assert f'id="scale-{scale.key}"' in page.text
    assert "في معظم الأوقات" in page.text or "معظم الوقت" in page.text
    assert "Inte granskad av någon med språket som modersmål" in page.text
    assert page.text.count("Inte granskad av någon med språket som modersmål") == len(LOCALES)


@pytest.mark.parametrize("role", ["handledare", "analytiker"])
def test_the_review_page_is_for_samordnare(client, login, role):
    login(role)
    assert client.get("/personal/oversattningar").status_code == 403


def test_every_locale_records_who_reviewed_it_and_nobody_has_yet():
    for lang in LANGUAGES:
        if lang.code == "sv":
            continue
        assert lang.reviewed_by is None
        assert lang.reviewed_on is None
        assert not lang.reviewed


# 2. One label, several questions: a label can take another form for one question.
def test_a_step_label_agrees_with_its_question_in_ukrainian(client, make_participant, open_link,
                                                            answer):
    url = open_link(make_participant(language="uk"))
    qid = int(re.search(r"/q/(\d+)/", url).group(1))
    s1 = client.get(f"/q/{qid}/fraga/S1", follow_redirects=True)
    assert "Дуже погане" in s1.text  # health (здоров'я): the adjective
    s6 = client.get(f"/q/{qid}/fraga/S6")
    assert "Дуже погано" in s6.text  # how well you cooperate: the adverb
    assert "Дуже погане" not in s6.text
    data = json.loads(re.search(r'id="questionnaire-data">(.*?)</script>', s6.text).group(1))
    steps = {i["key"]: i["steps"][0]["label"] for i in data["items"] if i["steps"]}
    assert (steps["S1"], steps["S6"]) == ("Дуже погане", "Дуже погано")  # drawn offline too
    answer(qid, "S1", step=1)
    answer(qid, "S6", step=1)
    summary = client.get(f"/q/{qid}/sammanfattning")
    assert "1 – Дуже погане" in summary.text
    assert "1 – Дуже погано" in summary.text


def test_the_catalog_check_counts_a_contextual_label_on_its_own(tmp_path, monkeypatch):
    copy = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS, copy)
    po = copy / "so" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    catalog.get("Mycket dålig", context="S6").string = ""
    with po.open("wb") as f:
        write_po(f, catalog)
    monkeypatch.setattr(catalogs, "TRANSLATIONS", copy)
    assert catalogs.check() == 1


def test_the_review_page_shows_each_scales_own_form_of_a_shared_label(client, login):
    login("samordnare")
    page = client.get("/personal/oversattningar").text
    s1 = page[page.index('id="scale-S1"'):page.index('id="scale-S2"')]
    s6 = page[page.index('id="scale-S6"'):page.index('id="scale-F"')]
    assert "Дуже погане" in s1
    assert "Дуже погано" in s6
