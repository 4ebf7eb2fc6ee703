"""Languages: negotiation, the participant's remembered choice, complete catalogs, the staff
language, the side-by-side dialogue view, fonts and recorded readings."""

import re
import shutil

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po, write_po

from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.i18n import LANGUAGES
from questionnaire.models import Participant, Questionnaire
from tests.conftest import PASSWORD, csrf_token
from tools import catalogs

ARABIC_S1 = "كيف تقيّم صحتك من حيث قدرتك على القيام بعمل؟"
TIGRINYA_S1 = "ጥዕናኹም ስራሕ ካብ ምኽኣል ኣተሓሳስባ ከመይ ትግምግምዎ?"
LATTLAST_S1 = "Hur mår du? Mår du tillräckligt bra för att kunna arbeta?"


def html_lang(page) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', page.text)
    return found.group(1), found.group(2)


def test_every_language_is_offered_and_its_catalog_complete():
    assert catalogs.check() == 0
    codes = {lang.code for lang in LANGUAGES}
    assert codes == {"sv", "sv@lattlast", "en", "ar", "fa", "fa_AF", "so", "ti", "uk"}
    assert not any(lang.reviewed for lang in LANGUAGES if lang.code != "sv")  # nobody has yet


def test_the_catalog_check_fails_on_a_missing_translation(tmp_path, monkeypatch):
    copy = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS, copy)
    po = copy / "so" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    catalog.get("Ja").string = ""
    catalog.get("Fråga %(n)s av %(total)s").string = "Su'aal %(n)s"  # a placeholder dropped
    with po.open("wb") as f:
        write_po(f, catalog)
    monkeypatch.setattr(catalogs, "TRANSLATIONS", copy)
    assert catalogs.check() == 1


def test_browser_language_picks_the_page_language(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "ar,en;q=0.5"})) == ("ar", "rtl")
    assert html_lang(client.get("/", headers={"Accept-Language": "ti"})) == ("ti", "ltr")
    assert html_lang(client.get("/", headers={"Accept-Language": "fa-AF"})) == ("fa-AF", "rtl")
    assert html_lang(client.get("/", headers={"Accept-Language": "de"})) == ("sv", "ltr")


def test_the_menu_lists_every_language_in_its_own_name(client):
    page = client.get("/")
    for name in ("svenska", "Lättläst svenska", "English", "العربية", "فارسی", "دری",
                 "Soomaali", "ትግርኛ", "українська"):
        assert f">{name}</a>" in page.text


def test_question_in_the_participants_registered_language(client, make_participant, open_link):
    url = open_link(make_participant(language="ar"))
    page = client.get(url, follow_redirects=True)
    assert html_lang(page) == ("ar", "rtl")
    assert ARABIC_S1 in page.text
    assert "السؤال 1 من 6" in page.text
    assert "سيئة جدًا" in page.text  # the scale labels too


def test_switching_keeps_answers_and_is_remembered(client, app, make_participant, open_link,
                                                   answer):
    person = make_participant(language="ar")
    url = open_link(person)
    qid = int(re.search(r"/q/(\d+)/", url).group(1))
    answer(qid, "S1", step=2)
    switched = client.get(f"/q/{qid}/fraga/S2?lang=ti")
    assert html_lang(switched) == ("ti", "ltr")
    answer(qid, "S2", step=4)
    summary = client.get(f"/q/{qid}/sammanfattning")
    assert TIGRINYA_S1 in summary.text  # the earlier answer is still there, now in Tigrinya
    assert "2 – ሕማቕ" in summary.text
    assert db.session.get(Participant, person.id).language == "ti"
    # next time, on another device, the questions open in the language they chose
    fresh = app.test_client()
    token = links.create(db.session.get(Participant, person.id))
    db.session.commit()
    page = fresh.get(f"/l/{token}", follow_redirects=True, headers={"Accept-Language": "sv"})
    assert html_lang(page) == ("ti", "ltr")


def test_a_shared_tablet_does_not_carry_one_participants_language_to_the_next(
        client, make_participant, open_link):
    first = make_participant(language="sv")
    client.get(open_link(first) + "?lang=ar")
    second = make_participant(language="so")
    page = client.get(open_link(second), follow_redirects=True)
    assert html_lang(page) == ("so", "ltr")


def test_lattlast_is_chosen_like_a_language(client, make_participant, open_link):
    url = open_link(make_participant())
    page = client.get(url + "?lang=sv@lattlast", follow_redirects=True)
    assert LATTLAST_S1 in page.text
    assert html_lang(page) == ("sv", "ltr")


def nns_question(client, make_participant, open_link, language):
    person = make_participant(days_ago=200, language=language)  # the 6-month forms are due
    open_link(person)
    q = db.session.scalars(sa.select(Questionnaire).filter_by(instrument="nns-pagaende")).one()
    return client.get(f"/q/{q.id}/", follow_redirects=True)


def test_nns_translations_say_they_are_unofficial(client, make_participant, open_link):
    page = nns_question(client, make_participant, open_link, "ar")
    assert "كتبت NNS هذه الأسئلة باللغة السويدية، وترجمتها Stegvis" in page.text
    skapa = client.get(open_link(make_participant(language="ar")), follow_redirects=True)
    assert "وترجمتها Stegvis" not in skapa.text  # SKAPA's step labels are ours anyway


def test_nns_in_swedish_has_no_translation_note(client, make_participant, open_link):
    page = nns_question(client, make_participant, open_link, "sv")
    assert "Får du stöd på ett sätt som är till stor nytta för dig?" in page.text
    assert "Stegvis har översatt" not in page.text


@pytest.mark.parametrize(("language", "font", "absent"), [
    ("ar", "noto-sans-arabic", "abyssinica"), ("fa_AF", "noto-sans-arabic", "abyssinica"),
    ("ti", "abyssinica-sil", "noto-sans-arabic"), ("sv", None, "woff2"),
])
def test_web_fonts_load_only_for_the_scripts_that_need_them(client, make_participant, open_link,
                                                            language, font, absent):
    page = client.get(open_link(make_participant(language=language)), follow_redirects=True)
    if font:
        woff2 = re.search(rf'url\("(/static/fonts/{font}[^"]+\.woff2\?v=\w+)"\)', page.text)
        assert woff2, "the font face points at a shipped, versioned file"
        font_file = client.get(woff2.group(1))
        assert font_file.status_code == 200
        assert font_file.data[:4] == b"wOF2"
        font_file.close()
    assert absent not in " ".join(re.findall(r'url\("([^"]+)"\)', page.text))  # no such font


def test_staff_pages_keep_their_own_language(client, handledare, make_participant):
    assert html_lang(client.get("/personal/deltagare?lang=ar")) == ("sv", "ltr")  # not a staff language
    english = client.get("/personal/deltagare?lang=en")
    assert html_lang(english) == ("en", "ltr")
    assert "My participants" in english.text
    person = make_participant(insats="Testinsatsen", language="ar")
    start = client.post(f"/personal/deltagare/{person.code}/lamna-over",
                        data={"csrf_token": csrf_token(client, "/personal/deltagare")})
    question = client.get(start.headers["Location"], follow_redirects=True)
    assert html_lang(question) == ("ar", "rtl")  # the tablet speaks the participant's language
    locked = client.get("/personal/deltagare", follow_redirects=True)
    assert "الجهاز اللوحي مقفل" in locked.text  # the lock screen is theirs too
    client.post("/personal/lamna-tillbaka", data={
        "csrf_token": csrf_token(client, "/personal/lamna-tillbaka"), "password": PASSWORD})
    assert html_lang(client.get("/personal/deltagare")) == ("en", "ltr")  # and the staff one comes back


def test_staff_see_whether_a_translation_is_reviewed(client, handledare, make_participant):
    form = client.get("/personal/deltagare/ny")
    assert "Översättningarna till Lättläst svenska, English, العربية" in form.text  # said once
    assert ">svenska<" in form.text
    person = make_participant(insats="Testinsatsen", language="ti")
    page = client.get(f"/personal/deltagare/{person.code}")
    assert "svarar på ትግርኛ" in page.text
    assert "översättningen är inte granskad" in page.text


def test_dialogue_view_shows_the_questions_in_both_languages(client, handledare, make_participant,
                                                             answer):
    person = make_participant(insats="Testinsatsen", language="ar")
    start = client.post(f"/personal/deltagare/{person.code}/lamna-over",
                        data={"csrf_token": csrf_token(client, "/personal/deltagare")})
    qid = int(re.search(r"/q/(\d+)/", start.headers["Location"]).group(1))
    for n in range(1, 7):
        answer(qid, f"S{n}", step=3)
    client.post(f"/q/{qid}/klar", data={"csrf_token": csrf_token(client, f"/q/{qid}/")})
    client.post("/personal/lamna-tillbaka", data={
        "csrf_token": csrf_token(client, "/personal/lamna-tillbaka"), "password": PASSWORD})
    page = client.get(f"/personal/deltagare/{person.code}/dialog")
    assert "Frågorna på svenska och på العربية" in page.text
    assert "Hur skulle du betygsätta din hälsa" in page.text
    assert f'lang="ar" dir="rtl"><strong>الصحة</strong><br>{ARABIC_S1}' in page.text
    assert "noto-sans-arabic" in page.text  # the Arabic column has its font
    printout = client.get(f"/personal/deltagare/{person.code}/utskrift")
    assert '<section class="print-section" lang="ar" dir="rtl">' in printout.text
    assert "خطتي" in printout.text  # "Min plan", in Arabic first...
    assert "Min plan" in printout.text  # ...then in Swedish
