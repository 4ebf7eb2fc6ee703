"""Flask extensions, created unbound here and bound to the app in create_app()."""

import gettext
from functools import cached_property

from babel import support
from flask_babel import Babel, Domain, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so Alembic migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()


class _Domain(Domain):
    """flask-babel merges the domains ("messages;staff") and copies plural() from each in turn,
    also from a domain with no catalog in this language (staff.po exists only for the staff
    languages): that stand-in has English plurals, and Arabic would lose its six forms. The
    first domain, translated into every language, decides the plural forms."""

    def get_translations(self) -> support.Translations | support.NullTranslations:
        translations = super().get_translations()
        if isinstance(translations, support.Translations) and not getattr(
                translations, "plural_from_first_domain", False):
            first = support.Translations.load(self.translation_directories[0], [get_locale()],
                                              self.domain[0])
            if isinstance(first, gettext.GNUTranslations):
                translations.plural = first.plural
            translations.plural_from_first_domain = True
        return translations


class _Babel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return _Domain(domain=self.domain)


babel = _Babel()
login_manager = LoginManager()
#: Rate limits; RATELIMIT_STORAGE_URI (e.g. redis://) shares the counts between app processes.
limiter = Limiter(key_func=get_remote_address)
