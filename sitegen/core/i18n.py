"""The theme in the site's language: gettext catalogs, a site's own overrides, and CLDR dates and numbers.

Every string the default theme shows is an English message id, looked up in the catalog of the site's
``language`` (``sitegen/locale/<lang>/LC_MESSAGES/sitegen.mo``, compiled from the ``.po`` beside it and
shipped in the package), then in the site's own ``i18n/<lang>.yaml`` (``English text: translation``), which
wins. A string neither has falls back to the English text, and ``sitegen check`` lists it. Dates, numbers
and plural forms come from Babel (CLDR) in the site's language; an English site keeps sitegen's own
spelling of dates ("19 September 2023"), as before.

``python -m sitegen.core.i18n`` extracts the message ids from the templates and the Python code, merges them
into every catalog and compiles the ``.mo`` files (docs/i18n.md).
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sitegen.core.errors import ContentError
from sitegen.core.model import MONTHS, Period

DOMAIN = "sitegen"
LOCALE_DIR = Path(__file__).parent.parent / "locale"
OVERRIDES_DIR = "i18n"  # a site's own translations: i18n/<lang>.yaml
SHIPPED = ("en", "fr", "de", "es", "ru", "ar", "zh")  # the catalogs sitegen ships (docs/i18n.md)
# Languages written right to left: the pages carry dir="rtl" and the theme's layout mirrors.
RTL = frozenset({"ar", "he", "iw", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb", "ku-arab", "syr"})


def base_language(code: str) -> str:
    """``fr`` of ``fr-CA`` or ``fr_CA``; lower case."""
    return code.replace("_", "-").split("-")[0].lower()


def is_english(code: str) -> bool:
    return base_language(code) == "en"


def direction(code: str) -> str:
    """``rtl`` for Arabic, Hebrew, Persian, Urdu and the other right-to-left languages, else ``ltr``."""
    lowered = code.replace("_", "-").lower()
    return "rtl" if base_language(code) in RTL or lowered in RTL or lowered.endswith("-arab") else "ltr"


def babel_locale(code: str) -> Any:
    """The Babel locale of a BCP 47 code (``pt-BR``, ``zh-Hant``); ``ValueError`` when Babel knows none."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from None


def check_language(code: str) -> str | None:
    """Why ``code`` cannot be a site's language, or None when it can."""
    if not code or not all(part.isalnum() for part in code.replace("_", "-").split("-")):
        return f"language '{code}' is not a language code such as 'en', 'fr' or 'pt-BR'"
    if is_english(code) and code.replace("_", "-").lower() in ("en", "en-us", "en-gb"):
        return None  # the usual case, known without loading Babel
    try:
        babel_locale(code)
    except ValueError:
        return f"language '{code}' is not a language Babel (CLDR) knows: use a code such as 'fr', 'de' or 'pt-BR'"
    return None


# --- catalogs ------------------------------------------------------------------------------------------


def _catalog_for(code: str) -> str | None:
    """The shipped catalog a language uses: its own (``pt_BR``), else its base language's (``fr`` of
    ``fr-CA``); None when sitegen ships neither."""
    for name in (code.replace("-", "_"), base_language(code)):
        if (LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
            return name
    return None


@cache
def _shipped(name: str) -> dict[str, str | tuple[str, ...]]:
    """The messages of a shipped catalog: msgid → text, or the plural msgid → its forms."""
    path = LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as handle:
        catalog = _gettext.GNUTranslations(handle)
    found: dict[str, str | tuple[str, ...]] = {}
    plurals: dict[str, dict[int, str]] = {}
    for key, text in catalog._catalog.items():  # type: ignore[attr-defined]
        if isinstance(key, tuple):
            plurals.setdefault(key[0], {})[key[1]] = text
        elif key:
            found[key] = text
    for msgid, forms in plurals.items():
        found[msgid] = tuple(forms[i] for i in sorted(forms))
    return found


def overrides_path(root: Path, code: str) -> Path | None:
    """The site's own translations for ``code``: ``i18n/<code>.yaml`` (or of its base language)."""
    for name in dict.fromkeys((code, code.replace("_", "-"), base_language(code))):
        for suffix in (".yaml", ".yml"):
            path = root / OVERRIDES_DIR / f"{name}{suffix}"
            if path.is_file():
                return path
    return None


def read_overrides(path: Path, root: Path | None = None) -> tuple[dict[str, str | tuple[str, ...]],
                                                                   list[ContentError]]:
    """``English text: translation`` lines; a plural message as a list of its forms (as many as the
    language has: one, few, many, other...). Errors name the file (relative to ``root``) and line."""
    from sitegen.core.config import _LOADER, MAX_VALUES

    shown = path.relative_to(root) if root is not None and path.is_relative_to(root) else path
    try:
        text = path.read_text(encoding="utf-8-sig")
        node = yaml.compose(text, Loader=_LOADER)
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [ContentError(shown, None, f"cannot read the translations: {exc}")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return {}, [ContentError(shown, mark.line + 1 if mark else 1, f"invalid YAML: {exc.problem}")]
    except (yaml.YAMLError, RecursionError) as exc:
        return {}, [ContentError(shown, 1, f"invalid YAML: {str(exc)[:120]}")]
    if node is None:
        return {}, []
    if not isinstance(node, yaml.MappingNode):
        return {}, [ContentError(shown, node.start_mark.line + 1, "translations are 'English text: translation' "
                                                                 "lines")]
    found: dict[str, str | tuple[str, ...]] = {}
    errors: list[ContentError] = []
    for key, value in node.value[:MAX_VALUES]:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode) or not key.value.strip():
            errors.append(ContentError(shown, line, "each key is the English text of the theme, as "
                                                   "'sitegen check' lists it"))
            continue
        if isinstance(value, yaml.ScalarNode):
            found[key.value] = value.value
        elif isinstance(value, yaml.SequenceNode) and value.value and \
                all(isinstance(v, yaml.ScalarNode) for v in value.value):
            found[key.value] = tuple(v.value for v in value.value)
        else:
            errors.append(ContentError(shown, line, f"the translation of '{key.value[:40]}' must be text (or, for "
                                                   "a plural, a list of its forms)"))
    return found, errors


# --- one language -----------------------------------------------------------------------------------------


@dataclass
class Language:
    """The site's language as the theme speaks it: messages, plural forms, dates and numbers."""

    code: str
    messages: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    catalog: str | None = None  # the shipped catalog used, None for English or a language sitegen lacks
    overrides: Path | None = None
    errors: list[ContentError] = field(default_factory=list)

    @property
    def english(self) -> bool:
        return is_english(self.code)

    @property
    def dir(self) -> str:
        return direction(self.code)

    @property
    def locale(self) -> Any:
        return _locale(self.code)

    def gettext(self, message: str) -> str:
        text = self.messages.get(message)
        return text if isinstance(text, str) and text else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.messages.get(singular)
        if isinstance(forms, tuple) and forms:
            # A site's list may stop at "singular, plural": its last form stands for the rarer ones after it.
            text = forms[min(self.plural_index(n), len(forms) - 1)]
            if text:
                return text
        if isinstance(forms, str) and forms:  # a site's override given as one text for every number
            return forms
        return singular if n == 1 else plural

    def plural_index(self, n: int) -> int:
        """Which gettext plural form ``n`` takes in this language (English: 0 for one, else 1)."""
        if self.english:
            return 0 if n == 1 else 1
        return _plural_index(self.code, n)

    def plural_forms(self, singular: str, plural: str) -> dict[str, str]:
        """The message for each CLDR plural category (``one``, ``few``, ``many``, ``other``...) of the
        language, for JavaScript's ``Intl.PluralRules`` on the search page."""
        if self.english:
            return {"one": singular, "other": plural}
        forms: dict[str, str] = {}
        rule = self.locale.plural_form
        for n in [*range(0, 200), 1000, 1000000]:
            forms.setdefault(rule(n), self.ngettext(singular, plural, n))
        return forms

    # dates and numbers

    def date(self, moment: datetime) -> str:
        """'19 September 2023', '19 septembre 2023', '19. September 2023', '2023年9月19日'."""
        if self.english:
            return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
        from babel.dates import format_date

        return format_date(moment, "long", locale=self.locale)

    def datetime(self, moment: datetime) -> str:
        """The date, the time of day and the zone's abbreviation: '19 September 2023, 14:30 CEST'."""
        zone = moment.tzname() or ""
        if self.english:
            return f"{self.date(moment)}, {moment.hour:02d}:{moment.minute:02d} {zone}".rstrip()
        from babel.dates import format_time, get_datetime_format

        time = format_time(moment, "short", locale=self.locale)
        pattern = str(get_datetime_format("medium", locale=self.locale)).replace("'", "")
        return f"{pattern.replace('{0}', time).replace('{1}', self.date(moment))} {zone}".rstrip()

    def period(self, period: Period) -> str:
        """An archive period: '2023', 'September 2023' ('septembre 2023'), '19 September 2023'."""
        if self.english or period.month is None:
            return period.label
        moment = datetime(period.year, period.month, period.day or 1)
        if period.day is not None:
            return self.date(moment)
        from babel.dates import format_skeleton

        return format_skeleton("yMMMM", moment, locale=self.locale)

    def number(self, n: int) -> str:
        """A whole number with the language's grouping: '1,000', '1 000', '1.000'."""
        if self.english:
            return f"{n:,}"
        from babel.numbers import format_decimal

        return format_decimal(n, locale=self.locale)

    def names(self, items: Sequence[str], conjunction: bool = True) -> str:
        """Names joined as the language lists them: 'A, B and C' ('A, B et C', 'A、B和C'); ``items`` are
        already escaped HTML, and so is the result. Without ``conjunction``, English has "A, B, C"."""
        items = list(items)
        if self.english or len(items) < 2:
            if conjunction and len(items) > 1:
                return ", ".join(items[:-1]) + " and " + items[-1]
            return ", ".join(items)
        from babel.lists import format_list
        from markupsafe import escape

        marks = [f"\x00{i}\x00" for i in range(len(items))]
        joined = str(escape(format_list(marks, "standard", locale=self.locale)))
        for mark, item in zip(marks, items, strict=True):
            joined = joined.replace(mark, item)
        return joined

    # what the catalogs miss

    def untranslated(self) -> list[str]:
        """The theme's messages this language shows in English (none for English)."""
        if self.english:
            return []
        return [m for m in theme_messages() if not self.messages.get(m)]


@cache
def _locale(code: str) -> Any:
    return babel_locale(code)


@cache
def _plural_index(code: str, n: int) -> int:
    from babel.messages.plurals import get_plural

    expression = get_plural(_locale(code)).plural_expr
    return int(_gettext.c2py(expression)(n))


def language(code: str, root: Path | None = None) -> Language:
    """The language ``code`` with the shipped catalog and the site's own overrides under ``root``."""
    catalog = None if is_english(code) else _catalog_for(code)
    messages: dict[str, str | tuple[str, ...]] = dict(_shipped(catalog)) if catalog else {}
    path = overrides_path(root, code) if root is not None else None
    errors: list[ContentError] = []
    if path is not None:
        own, errors = read_overrides(path, root)
        messages.update(own)
    return Language(code, messages, catalog, path, errors)


_LOADED: dict[tuple[str, Path | None], Language] = {}


def load(code: str, root: Path | None) -> Language:
    """The language as this build reads it (the override file read again): what ``of`` returns from now."""
    lang = language(code, root)
    _LOADED[(code, root)] = lang
    return lang


def of(code: str, root: Path | None) -> Language:
    """The language ``load`` last read for this site (read now if it never was)."""
    found = _LOADED.get((code, root))
    return found if found is not None else load(code, root)


def signature(lang: Language) -> str:
    """What the pages' text depends on beyond the templates: the catalog and the override file's text."""
    if lang.catalog is None and lang.overrides is None:
        return ""
    parts = [lang.code, lang.catalog or ""]
    if lang.catalog:
        parts.append(str((LOCALE_DIR / lang.catalog / "LC_MESSAGES" / f"{DOMAIN}.mo").stat().st_mtime_ns))
        parts.append(repr(sorted(_shipped(lang.catalog).items())))
    if lang.overrides:
        parts.append(lang.overrides.read_text(encoding="utf-8", errors="replace"))
    return "\x1f".join(parts)


@cache
def theme_messages() -> tuple[str, ...]:
    """Every message id of the default theme, as the template catalog (sitegen.pot) lists them."""
    path = LOCALE_DIR / f"{DOMAIN}.pot"
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle)
    return tuple(m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id)


def untranslated_warning(lang: Language) -> str | None:
    """The build's warning when the theme shows some English on a site in another language."""
    missing = lang.untranslated()
    if not missing:
        return None
    shipped = "" if lang.catalog else f"sitegen ships no catalog for '{lang.code}'; "
    return (f"language '{lang.code}': {shipped}{len(missing)} of the theme's {len(theme_messages())} strings show "
            f"in English: translate them in {OVERRIDES_DIR}/{lang.code}.yaml ('sitegen check' lists them)")


def install(env: Any, lang: Language) -> None:
    """Jinja2's ``i18n`` extension with this language: ``_()``, ``gettext``, ``ngettext`` in templates
    (new style: ``_('%(name)s', name=x)``, variables escaped), and the date and number filters."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(lang.gettext, lang.ngettext, newstyle=True)
    gettext, ngettext = _newstyle_callables(lang)
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    env.filters.update(longdate=lang.date, longtime=lang.datetime, period=lang.period, number=lang.number)


def _newstyle_callables(lang: Language) -> tuple[Any, Any]:
    """Jinja2's new-style ``gettext`` and ``ngettext`` (``jinja2.ext._make_new_gettext``: the translation,
    as Markup when autoescaping, always %-formatted with the escaped variables), without the two
    ``Context.call`` levels its ``_`` alias and wrapper add to each of a page's dozen calls, and with each
    message's Markup made once: its catalog does not change after loading."""
    from jinja2 import pass_eval_context
    from markupsafe import Markup

    translated: dict[str, Markup] = {}
    constant: dict[str, Markup] = {}  # a message without variables, formatted

    @pass_eval_context
    def gettext(eval_ctx: Any, __string: str, **variables: Any) -> str:
        if not eval_ctx.autoescape:
            return lang.gettext(__string) % variables
        if not variables:
            done = constant.get(__string)
            if done is None:
                done = constant[__string] = Markup(lang.gettext(__string)) % variables
            return done
        markup = translated.get(__string)
        if markup is None:
            markup = translated[__string] = Markup(lang.gettext(__string))
        return markup % variables

    @pass_eval_context
    def ngettext(eval_ctx: Any, __singular: str, __plural: str, __num: int, **variables: Any) -> str:
        variables.setdefault("num", __num)
        text = lang.ngettext(__singular, __plural, __num)
        return (Markup(text) if eval_ctx.autoescape else text) % variables

    return gettext, ngettext


# --- extraction and compilation (python -m sitegen.core.i18n) ------------------------------------------------

CATALOG_DATE = datetime(2026, 1, 1, tzinfo=UTC)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "plural_forms": (1, 2)}


def extract(theme: Path, code: Path) -> Any:
    """Every message of the templates under ``theme`` and of the Python modules under ``code``."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    from sitegen import __version__

    # A fixed date and no line numbers: running it again without a new string changes no file.
    catalog = Catalog(project="sitegen", version=__version__, domain=DOMAIN, charset="utf-8", fuzzy=False,
                      copyright_holder="the sitegen authors", creation_date=CATALOG_DATE)
    jinja = "jinja2.ext:babel_extract"
    methods = [("**.html", jinja), ("**.xml", jinja), ("**.txt", jinja)]
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
    for folder, mapping in ((theme, methods), (code, [("**.py", "python")])):
        for filename, line, message, comments, _context in extract_from_dir(
                folder, mapping, options_map=options, keywords=KEYWORDS, strip_comment_tags=True):
            catalog.add(message, None, [(f"{folder.name}/{filename}", line)], auto_comments=comments)
    return catalog


def update_catalogs(template: Any, languages: Iterable[str] = SHIPPED) -> list[str]:
    """Write sitegen.pot, merge it into each language's .po (new ids untranslated, gone ones dropped) and
    compile each .mo. Returns what it did, a line per file."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    done = []
    LOCALE_DIR.mkdir(exist_ok=True)
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, width=120, omit_header=False, sort_output=True, include_lineno=False)
    done.append(f"wrote {LOCALE_DIR.name}/{DOMAIN}.pot ({sum(1 for m in template if m.id)} messages)")
    for code in languages:
        folder = LOCALE_DIR / code / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        po = folder / f"{DOMAIN}.po"
        if po.is_file():
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=code)
        else:
            catalog = Catalog(locale=code, domain=DOMAIN, project="sitegen", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.project, catalog.version, catalog.fuzzy = template.project, template.version, False
        catalog.copyright_holder, catalog.revision_date = template.copyright_holder, CATALOG_DATE
        catalog.last_translator = catalog.language_team = "sitegen contributors"
        if is_english(code):  # the source language: each message is its own translation
            for message in catalog:
                if message.id:
                    message.string = message.id
        with po.open("wb") as handle:
            write_po(handle, catalog, width=120, sort_output=True, ignore_obsolete=True, include_lineno=False)
        with (folder / f"{DOMAIN}.mo").open("wb") as handle:
            write_mo(handle, catalog)
        ids = [m for m in catalog if m.id]
        missing = sum(1 for m in ids if not (all(m.string) if isinstance(m.string, tuple) else m.string))
        done.append(f"wrote {code}: {len(ids)} messages, {missing} untranslated")
    return done


def main() -> int:
    here = Path(__file__).parent.parent
    theme = here.parent / "templates" if (here.parent / "templates").is_dir() else here / "_theme" / "templates"
    for line in update_catalogs(extract(theme, here)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
