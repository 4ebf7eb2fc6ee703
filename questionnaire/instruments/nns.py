"""NNS indikatorenkät for participants: the ongoing (pågående) and the exit (avslut) form.

Wording is NNS's own and quoted exactly (domain.md, `002:1952-2080`, `002:1059-1068`); förbund may
not reword it. Translations of it are Stegvis's own and unofficial.
Classification: steps 1-2 negative, 3 neither, 4-6 positive, 5-6 clearly positive.
"""

from questionnaire.i18n import N_
from questionnaire.instruments.base import Instrument, Item, Scale, ShowIf, Step

FREQUENCY = Scale("F", (
    Step(1, N_("Aldrig")), Step(2, N_("Sällan")), Step(3, N_("Ibland")), Step(4, N_("Ofta")),
    Step(5, N_("För det mesta")), Step(6, N_("Alltid")),
))
EXTENT = Scale("E", (
    Step(1, N_("Inte alls")), Step(2, N_("Till liten del")), Step(3, N_("Till viss del")),
    Step(4, N_("Till stor del")), Step(5, N_("Till mycket stor del")),
    Step(6, N_("Helt och hållet")),
))
YES_NO = Scale("YN", (Step(1, N_("Nej")), Step(2, N_("Ja"))), pictogram="yesno")
YES = 2

PAGAENDE_V1 = Instrument(
    key="nns-pagaende",
    version=1,
    unofficial_translations=True,
    title=N_("Frågor om stödet du får"),
    intro=N_("Frågorna handlar om stödet du får just nu. Dina svar är anonyma för personalen: "
             "de visas bara tillsammans med andras svar."),
    items=(
        Item("N1", N_("Får du stöd på ett sätt som är till stor nytta för dig?"), FREQUENCY,
             indicator=1),
        Item("N2", N_("Är du med och bestämmer vilket stöd du skall få?"), FREQUENCY,
             indicator=2),
        Item("N3", N_("Får stödet ta den tid du behöver?"), FREQUENCY, indicator=3),
        Item("N4", N_("Stödjer insatsen dig i kontakterna med myndigheterna och vården?"),
             FREQUENCY, indicator=4),
        Item("N5", N_("Har det stöd du fått hjälpt dig att hantera din situation?"), EXTENT,
             indicator=5),
        Item("N7", N_("Känner du dig mer redo att kunna arbeta/studera jämfört med innan du "
                      "fick kontakt med oss?"), EXTENT, indicator=7),
        Item("N9", N_("Upplever du att personalen tar tillvara på dina erfarenheter, såsom "
                      "kunskaper och synpunkter?"), EXTENT, indicator=9),
    ),
)

AVSLUT_V1 = Instrument(
    key="nns-avslut",
    version=1,
    unofficial_translations=True,
    title=N_("Frågor om stödet du har fått"),
    intro=N_("Frågorna handlar om stödet du har fått. Dina svar är anonyma för personalen: "
             "de visas bara tillsammans med andras svar."),
    items=(
        Item("N1", N_("Har du fått stöd på ett sätt som är till stor nytta för dig?"),
             FREQUENCY, indicator=1),
        Item("N2", N_("Har du fått vara med och bestämma vilket stöd som du får/har fått?"),
             FREQUENCY, indicator=2),
        Item("N3", N_("Har stödet fått ta den tid du behövt?"), FREQUENCY, indicator=3),
        Item("N4", N_("Har insatsen stöttat dig i kontakterna med myndigheterna och vården?"),
             FREQUENCY, indicator=4),
        Item("N5", N_("Har det stöd du fått hjälpt dig att hantera din situation?"), EXTENT,
             indicator=5),
        Item("N7", N_("Känner du dig mer redo att kunna arbeta/studera jämfört med innan du "
                      "fick kontakt med oss?"), EXTENT, indicator=7),
        Item("N9", N_("Upplever du att personalen tagit tillvara dina erfarenheter, såsom "
                      "kunskaper och synpunkter?"), EXTENT, indicator=9),
        Item("N6a", N_("Har ni påbörjat en planering för vad som ska hända efter att nuvarande "
                       "stöd har upphört?"), YES_NO, indicator=6),
        Item("N6b", N_("Finns det en tillräcklig planering för vad som ska hända efter att "
                       "detta stöd upphört?"), EXTENT, indicator=6, show_if=ShowIf("N6a", YES)),
        Item("N6c", N_("Kommer det som är planerat att påbörjas inom rimlig tid?"), EXTENT,
             indicator=6, show_if=ShowIf("N6a", YES)),
        Item("F11", N_("Vad är viktigt för dig för att kunna arbeta eller studera?")),
        Item("F12", N_("Hur har stödet du fått gjort skillnad för dig?")),
        Item("F13", N_("Vad skulle kunna ha gjorts annorlunda?")),
    ),
)

VERSIONS = (PAGAENDE_V1, AVSLUT_V1)
