"""The languages kombot speaks and their names in each other."""

from typing import Literal

Lang = Literal["da", "sv", "nb", "en"]
LANGS: tuple[Lang, ...] = ("da", "sv", "nb", "en")

COUNTRY_LANG: dict[str, Lang] = {"dk": "da", "se": "sv", "no": "nb"}

STEMMER_NAME: dict[Lang, str] = {
    "da": "danish",
    "sv": "swedish",
    "nb": "norwegian",
    "en": "english",
}
