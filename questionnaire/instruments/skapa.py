"""SKAPA (Samordningsförbundet Halland with NNS, from the Danish BIP study): six areas, steps 1-5.

The questions are quoted exactly (domain.md, `001:921-931`). The sources give no step labels;
the labels below are Stegvis's own plain wording, easy to replace in a new version.
"""

from questionnaire.i18n import N_
from questionnaire.instruments.base import Instrument, Item, Scale, Step


def _scale(key: str, *labels: str) -> Scale:
    return Scale(key, tuple(Step(n, label) for n, label in enumerate(labels, start=1)))


V1 = Instrument(
    key="skapa",
    version=1,
    title=N_("Hur går det för dig?"),
    intro=N_("Sex frågor om dig och arbete. Välj det svar som passar dig bäst. "
             "Det finns inga rätta eller felaktiga svar."),
    individual_results=True,
    items=(
        Item("S1", N_("Hur skulle du betygsätta din hälsa i förhållande till att kunna "
                      "hantera ett arbete?"),
             _scale("S1", N_("Mycket dålig"), N_("Dålig"), N_("Varken bra eller dålig"),
                    N_("Bra"), N_("Mycket bra")),
             area=N_("Hälsa")),
        Item("S2", N_("Vet du vad du ska göra för att förbättra dina chanser att få ett "
                      "arbete?"),
             _scale("S2", N_("Nej, inte alls"), N_("Lite grann"), N_("Delvis"),
                    N_("Ganska bra"), N_("Ja, helt och hållet")),
             area=N_("Vägen till arbete")),
        Item("S3", N_("Har du tid i vardagen att kunna fokusera på arbete/praktik/studier?"),
             _scale("S3", N_("Nej, ingen tid"), N_("Lite tid"), N_("Ibland"),
                    N_("Ofta"), N_("Ja, gott om tid")),
             area=N_("Tid i vardagen")),
        Item("S4", N_("Tror du att du kan klara av att arbeta?"),
             _scale("S4", N_("Nej, inte alls"), N_("Tveksamt"), N_("Kanske"),
                    N_("Troligen"), N_("Ja, absolut")),
             area=N_("Tro på arbete")),
        Item("S5", N_("Tror du att dina kompetenser kan användas på en arbetsplats?"),
             _scale("S5", N_("Nej, inte alls"), N_("Lite grann"), N_("Delvis"),
                    N_("Till stor del"), N_("Ja, helt och hållet")),
             area=N_("Kompetens")),
        Item("S6", N_("Hur bra är du på att samarbeta?"),
             _scale("S6", N_("Mycket dålig"), N_("Dålig"), N_("Varken bra eller dålig"),
                    N_("Bra"), N_("Mycket bra")),
             area=N_("Samarbete")),
    ),
)

VERSIONS = (V1,)
