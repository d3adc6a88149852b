"""Deterministic tag inference for converted seeds: the same text always gets the same tags.

Method (what ``infer_tags(title, paragraphs)`` does, step by step):

1. **Tokens.** The headline and each paragraph are split into words: runs of letters and digits, with
   inner apostrophes kept (``d'Ivoire``; curly and straight apostrophes are the same) and a possessive
   ``'s`` dropped (``China's`` is ``China``). Hyphens and full stops separate words, so ``Sino-US``,
   ``Russia-China`` and ``U.S.`` all yield their parts.
2. **Gazetteer.** At each word the longest phrase (up to the longest alias) found in the gazetteer wins,
   matched case-sensitively (``US`` is a country, ``us`` is not), with only spaces, hyphens, full stops
   or a comma between its words. The gazetteer (``sitegen.seeds.gazetteer``) holds:

   - countries: every ``pycountry`` name, common name and official name that reads as running text, plus
     the names news uses (``Russia``, ``Iran``, ``US``, ``U.S.``, ``America``, ``UK``, ``Britain``,
     ``Turkey``/``Türkiye``, ...);
   - demonyms (``Chinese`` is China, ``American`` is the United States) and capitals or seats of
     government (``Moscow`` and ``Kremlin`` are Russia, ``Kyiv``/``Kiev`` Ukraine);
   - international bodies (``UN``, ``UN Security Council`` and ``Security Council`` are the United
     Nations; NATO, EU, WHO, IMF, G7, G20, BRICS, ASEAN, ...);
   - phrases that are matched only to be ignored: job titles (``National Security Adviser``,
     ``Foreign Minister``) and look-alikes (``New Mexico``, ``Latin American``, ``Indian Ocean``).

   Every tag is shown under one display name (``Russia``, never ``Russian Federation``). A place that is
   also a common name (``Jordan``, ``Washington``) counts as a place in the article text only when it
   is not directly joined to another capitalised word (``Michael Jordan``, ``Denzel Washington``).
   A headline in capitals is matched letter-case-blind, except for acronyms.
3. **Names.** In the paragraphs (not the headline, whose words are all capitalised), a name is a run
   of 2-3 consecutive capitalised words (longer runs are not names) joined by a space, a hyphen or an
   initial's full stop, containing no stop word (function words, sentence openers, months, weekdays),
   no number, no title (``President``, ``Minister``, ``Mr``), no acronym, no institution word
   (``Ministry``, ``Council``, ``Party``) and no gazetteer match. A sentence's first word is dropped
   from a run when the same word also occurs in lower case in the article (``Yesterday Wang Yi`` is
   ``Wang Yi``). A run that is part of a gazetteer phrase or job title (``Security Council``,
   ``General Assembly``, ``Security Adviser``) is not a name. A name becomes a tag only when it
   recurs: the full name occurs twice, or once and one of its words occurs alone elsewhere
   (``Sergey Lavrov`` ... ``Lavrov``). Its mentions are the full occurrences plus those lone words,
   in the paragraphs and in the headline. It is shown as first written, possessive dropped.
4. **Score.** Each mention counts 1 in the paragraphs and 3 in the headline. A country or body needs at
   least two mentions, or one in the headline. Tags are ordered by score, then by first appearance
   (headline first), and at most ``MAX_TAGS`` are kept.

**Per language** (``language``: the article's, else the site's). Step 3 rests on English's rule that only
names are capitalised. It is used as is for the languages that share that rule (``NAME_LANGUAGES``:
English, French, Spanish, Italian, Portuguese, Russian, Ukrainian, Polish and the other Latin- and
Cyrillic-script languages listed there), each with its own sentence openers and function words as stop
words (``Selon``, ``Mais``, ``Según``, ``Однако``...). It is off for German, Luxembourgish and every
other language not listed (German capitalises every noun: ``Regierung``, ``Bundeskanzler`` would read as
names), and for scripts without capitals (Arabic, Hebrew, Persian, Chinese, Japanese...), which have no
such signal: there only the gazetteer's names (spelled as in English: ``NATO``, ``Ukraine``, ``Iran``)
become tags. A seed's tags never come from another language's rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import pycountry

from sitegen.seeds.gazetteer import (
    AMBIGUOUS_PLACES,
    BLOCKED_PHRASES,
    BODIES,
    CAPITALS,
    COUNTRY_ALIASES,
    DEMONYMS,
    DISPLAY,
    INSTITUTION_WORDS,
    STOP_WORDS,
    TITLE_PHRASES,
    TITLE_WORDS,
)

MAX_TAGS = 8
HEADLINE_WEIGHT = 3
_BODY_OFFSET = 1 << 40  # positions in the paragraphs come after every headline position

_GAP_WORD = re.compile(r"([\W_]*?)([^\W_]+(?:['’][^\W_]+)*)")
_PHRASE_GAP = re.compile(r"[\s.,\-‐‑]{1,3}")  # between the words of a gazetteer phrase
_NAME_GAP = re.compile(r"[ \t\n\u00a0]+|[-‐‑]")  # between the words of a name
_INITIAL_GAP = re.compile(r"\.[ \t\n\u00a0]*")  # "John F. Kennedy"
_SENTENCE_END = re.compile(r"[.!?:;\"“”‘(\[]")
_ABBREVIATIONS = frozenset({"Mr", "Mrs", "Ms", "Dr", "St", "Gen", "Col", "Lt", "Sen", "Rep", "Gov",
                            "Prof", "Jr", "Sr", "No", "Vol", "Capt", "Maj", "Adm", "Sgt"})

_IGNORE = ""  # canonical name of phrases matched only to be skipped


class _Token(NamedTuple):
    key: str  # the word as matched: apostrophes straightened, possessive 's dropped
    start: int
    end: int  # end of the word without its possessive 's
    gap: str  # the text between the previous word and this one (everything before the first word)
    sentence_start: bool


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    append = out.append
    previous, possessive = "", False
    for match in _GAP_WORD.finditer(text):
        gap, word = match.group(1, 2)
        start, end = match.span(2)
        if possessive:
            gap = "'s" + gap  # "Biden's Jake Sullivan" is two names, not one
        possessive = False
        if "’" in word or "'" in word:
            word = word.replace("’", "'")
            if word.endswith(("'s", "'S")) and len(word) > 2:
                word, end, possessive = word[:-2], end - 2, True
        if not out:
            starts = True
        elif gap == " " or not _SENTENCE_END.search(gap):
            starts = False
        else:
            starts = not (gap.startswith(".") and (previous in _ABBREVIATIONS or
                                                    (len(previous) == 1 and previous.isupper())))
        append(_Token(word, start, end, gap, starts))
        previous = word
    return out


def _phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(t.key for t in _tokens(phrase))


@dataclass(frozen=True)
class _Lexicon:
    exact: dict[tuple[str, ...], str]  # phrase -> display name ("" = ignore)
    upper: dict[tuple[str, ...], str]  # the same without acronyms, upper-cased (capitals headlines)
    lengths: dict[str, tuple[int, ...]]  # first word -> phrase lengths to try, longest first
    upper_lengths: dict[str, tuple[int, ...]]
    parts: frozenset[tuple[str, ...]]  # every run of 2+ words inside a multi-word phrase


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    """Every alias as a word tuple. Ignored phrases first, so they win over the places inside them."""
    entries: list[tuple[str, str]] = [(p, _IGNORE) for p in BLOCKED_PHRASES + TITLE_PHRASES]
    for display, aliases in BODIES.items():
        entries += [(a, display) for a in aliases]
    for country in pycountry.countries:
        code = country.alpha_2
        display = DISPLAY.get(code) or getattr(country, "common_name", None) or country.name
        names = [country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)]
        names += COUNTRY_ALIASES.get(code, [])
        names += CAPITALS.get(code, [])
        for demonym in DEMONYMS.get(code, []):
            names.append(demonym)
            if not demonym.endswith(("ese", "sh", "ch", "ss", "s")):
                names.append(demonym + "s")
        for name in names:
            if name and not any(c in name for c in ",()"):
                entries.append((name.removeprefix("the "), display))
    exact: dict[tuple[str, ...], str] = {}
    upper: dict[tuple[str, ...], str] = {}
    for alias, display in entries:
        key = _phrase_key(alias)
        if not key:
            continue
        exact.setdefault(key, display)
        if not all(word.isupper() for word in key):
            upper.setdefault(tuple(word.upper() for word in key), display)
    parts = {
        key[i:j]
        for key in exact
        if len(key) > 1
        for i in range(len(key))
        for j in range(i + 2, len(key) + 1)
    }
    return _Lexicon(exact, upper, _lengths(exact), _lengths(upper), frozenset(parts))


def _lengths(table: dict[tuple[str, ...], str]) -> dict[str, tuple[int, ...]]:
    by_first: dict[str, set[int]] = {}
    for key in table:
        by_first.setdefault(key[0], set()).add(len(key))
    return {word: tuple(sorted(lengths, reverse=True)) for word, lengths in by_first.items()}


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


# Languages where a capitalised word inside a sentence is a name (step 3), with the words that are
# capitalised at a sentence's start or in titles though they are no names.
NAME_LANGUAGES: dict[str, frozenset[str]] = {code: frozenset(words.split()) for code, words in {
    "en": "",
    "fr": """Le La Les L Un Une Des Du De D Au Aux Ce Cet Cette Ces Et Ou Mais Donc Car Ni Or Si Selon Pour Par
             Dans Sur Sous Avec Sans Chez Entre Vers Depuis Pendant Après Avant Lors Quand Alors Ainsi Il Elle
             Ils Elles On Nous Vous Je Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Monsieur Madame M Mme
             Président Présidente Ministre Premier Première Général Secrétaire""",
    "es": """El La Los Las Lo Un Una Unos Unas Y O Pero Sino Si Según Para Por En Con Sin Sobre Entre Desde Hacia
             Tras Durante Cuando Entonces Así Él Ella Ellos Ellas Nosotros Lunes Martes Miércoles Jueves Viernes
             Sábado Domingo Señor Señora Sr Sra Presidente Presidenta Ministro Ministra Primer Secretario""",
    "it": """Il Lo La I Gli Le Un Uno Una E O Ma Se Secondo Per Con Su In Tra Fra Da Dopo Prima Quando Lui Lei
             Lunedì Martedì Mercoledì Giovedì Venerdì Sabato Domenica Presidente Ministro Signor Signora""",
    "pt": """O A Os As Um Uma E Ou Mas Se Segundo Para Por Em Com Sem Sobre Entre Desde Após Quando Ele Ela
             Presidente Ministro Ministra Senhor Senhora""",
    "ru": """В Во На По Но И А Или Если Однако Также Как Когда После До Для При Из От С Со К О Об У За Он Она
             Они Мы Это Этот Эта Эти Президент Премьер Министр Глава Господин Понедельник Вторник Среда Четверг
             Пятница Суббота Воскресенье""",
    "uk": """В У На По Але І Й А Або Якщо Однак Також Як Коли Після До Для При З Із Від Він Вона Вони Ми Це
             Президент Прем'єр Міністр Глава""",
    "pl": """W We Na Po Ale I A Lub Jeśli Jednak Także Jak Kiedy Po Przed Dla Przy Z Ze Od Do On Ona Oni My To
             Prezydent Premier Minister Pan Pani""",
    **{code: "" for code in ("nl", "ca", "ro", "sv", "da", "no", "nb", "nn", "fi", "cs", "sk", "sl", "hr",
                             "sr", "bs", "hu", "bg", "mk", "be", "el", "tr", "id", "ms", "et", "lv", "lt",
                             "sq", "is", "ga", "cy", "eu", "gl")},
}.items()}


# French, Italian and Catalan elide an article or pronoun into the next word: "l’Ukraine" is "Ukraine".
ELIDING = frozenset({"fr", "it", "ca"})
_ELISION = re.compile(r"(?<![^\W\d_])((?i:l|d|j|n|s|c|m|t|qu|jusqu|lorsqu|puisqu|quoiqu|dell|dall|nell|sull|all|"
                      r"un))(['’])(?=[^\W\d_])(?!Ivoire)")


def _unelided(text: str) -> str:
    """``l’Ukraine`` → ``l’ Ukraine``: the word after an elided article stands alone."""
    return _ELISION.sub(r"\1\2 ", text)


def names_inferred(language: str) -> bool:
    """Whether capitalised words mark names in ``language`` (step 3 of the method)."""
    return language.replace("_", "-").split("-")[0].lower() in NAME_LANGUAGES


def _nameable(word: str, stop: frozenset[str] = STOP_WORDS) -> bool:
    """Could this word be part of a person's name?"""
    return (
        _is_capitalised(word)
        and not (len(word) > 1 and word.isupper())
        and word not in stop
        and word not in TITLE_WORDS
        and not any(c.isdigit() for c in word)
    )


def _match_places(tokens: list[_Token], capitals: bool, in_body: bool) -> list[tuple[int, int, str]]:
    """Gazetteer matches as (first token, token count, display); display "" for ignored phrases."""
    lex = _lexicon()
    table, lengths = (lex.upper, lex.upper_lengths) if capitals else (lex.exact, lex.lengths)
    keys = [t.key.upper() for t in tokens] if capitals else [t.key for t in tokens]
    found: list[tuple[int, int, str]] = []
    i, n = 0, len(tokens)
    while i < n:
        hit = 0
        for length in lengths.get(keys[i], ()):
            if i + length > n or tuple(keys[i:i + length]) not in table:
                continue
            if all(_PHRASE_GAP.fullmatch(tokens[j].gap) for j in range(i + 1, i + length)):
                hit = length
                break
        if not hit or (in_body and hit == 1 and keys[i] in AMBIGUOUS_PLACES and _joined_to_name(tokens, i)):
            i += 1  # nothing here, or "Michael Jordan": a person, left for name detection
            continue
        found.append((i, hit, table[tuple(keys[i:i + hit])]))
        i += hit
    return found


def _joined_to_name(tokens: list[_Token], i: int) -> bool:
    def name_like(j: int) -> bool:
        return _nameable(tokens[j].key) and tokens[j].key not in _lexicon().lengths

    before = i > 0 and _NAME_GAP.fullmatch(tokens[i].gap) is not None and name_like(i - 1)
    after = i + 1 < len(tokens) and _NAME_GAP.fullmatch(tokens[i + 1].gap) is not None and name_like(i + 1)
    return bool(before or after)


@dataclass
class _Tally:
    score: int = 0
    mentions: int = 0
    headline: int = 0
    first: int = 1 << 62

    def add(self, position: int, in_headline: bool) -> None:
        self.score += HEADLINE_WEIGHT if in_headline else 1
        self.mentions += 1
        self.headline += in_headline
        self.first = min(self.first, position)


def _runs(tokens: list[_Token], used: set[int], lower_words: set[str],
          stop: frozenset[str] = STOP_WORDS) -> list[tuple[int, int]]:
    """Maximal runs of name-like words as (start, end) token indexes, sentence openers trimmed."""
    runs: list[tuple[int, int]] = []
    i, n = 0, len(tokens)
    while i < n:
        if i in used or not _nameable(tokens[i].key, stop):
            i += 1
            continue
        j = i + 1
        while j < n and j not in used and _nameable(tokens[j].key, stop) and _joins(tokens[j - 1], tokens[j]):
            j += 1
        start = i
        if tokens[i].sentence_start and tokens[i].key.lower() in lower_words and j - i > 1:
            start += 1
        runs.append((start, j))
        i = j
    return runs


def _joins(previous: _Token, token: _Token) -> bool:
    if _NAME_GAP.fullmatch(token.gap):
        return True
    return len(previous.key) == 1 and _INITIAL_GAP.fullmatch(token.gap) is not None


def infer_tags(title: str, paragraphs: Sequence[str], language: str = "en") -> list[str]:
    """Tags for an article: recurring countries, bodies and people, best first (see module docstring);
    people only in the languages where capitals mark names (``names_inferred``)."""
    lex = _lexicon()
    base = language.replace("_", "-").split("-")[0].lower()
    names = base in NAME_LANGUAGES
    stop = STOP_WORDS | NAME_LANGUAGES.get(base, frozenset())
    if base in ELIDING:
        title, paragraphs = _unelided(title), [_unelided(p) for p in paragraphs]
    tallies: dict[str, _Tally] = {}

    def tally(name: str) -> _Tally:
        return tallies.setdefault(name, _Tally())

    # The headline: gazetteer matches only (its capitalised words say nothing about names).
    letters = [c for c in title if c.isalpha()]
    capitals = len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
    head_tokens = _tokens(title)
    for i, _length, display in _match_places(head_tokens, capitals, in_body=False):
        if display:
            tally(display).add(i, in_headline=True)

    # The paragraphs: gazetteer matches, then candidate names from what is left.
    body = [_tokens(p) for p in paragraphs]
    lower_words = {t.key for tokens in body for t in tokens if t.key[:1].islower()}
    full: dict[tuple[str, ...], _Tally] = {}
    lone: dict[str, _Tally] = {}
    display_of: dict[tuple[str, ...], str] = {}
    position = _BODY_OFFSET
    for paragraph, tokens in zip(paragraphs, body, strict=True):
        used: set[int] = set()
        for i, length, display in _match_places(tokens, capitals=False, in_body=True):
            used.update(range(i, i + length))
            if display:
                tally(display).add(position + i, in_headline=False)
        for start, end in (_runs(tokens, used, lower_words, stop) if names else ()):
            words = tuple(t.key for t in tokens[start:end])
            if end - start == 1:
                lone.setdefault(words[0], _Tally()).add(position + start, in_headline=False)
            elif end - start <= 3 and words not in lex.parts and not INSTITUTION_WORDS.intersection(words):
                full.setdefault(words, _Tally()).add(position + start, in_headline=False)
                if words not in display_of:
                    span = paragraph[tokens[start].start:tokens[end - 1].end]
                    display_of[words] = " ".join(span.split())
        position += len(tokens)

    _count_names_in_headline(head_tokens, capitals, full, lone)
    for words, whole in full.items():
        alone = [lone[w] for w in dict.fromkeys(words) if w in lone]
        if whole.mentions < 2 and not alone:
            continue
        name = display_of[words]
        if name in tallies:
            continue
        merged = tally(name)
        for part in (whole, *alone):
            merged.score += part.score
            merged.mentions += part.mentions
            merged.headline += part.headline
            merged.first = min(merged.first, part.first)

    kept = [
        (t.score, t.first, name)
        for name, t in tallies.items()
        if t.mentions >= 2 or t.headline > 0
    ]
    kept.sort(key=lambda item: (-item[0], item[1], item[2]))
    return [name for _score, _first, name in kept[:MAX_TAGS]]


def _count_names_in_headline(
    tokens: list[_Token], capitals: bool, full: dict[tuple[str, ...], _Tally], lone: dict[str, _Tally]
) -> None:
    """Add headline mentions of names found in the paragraphs: whole names, then their lone words."""
    keys = [t.key.upper() if capitals else t.key for t in tokens]
    covered: set[int] = set()
    for words, whole in full.items():
        target = tuple(w.upper() for w in words) if capitals else words
        for i in range(len(keys) - len(target) + 1):
            if tuple(keys[i:i + len(target)]) == target:
                whole.add(i, in_headline=True)
                covered.update(range(i, i + len(target)))
    for word, alone in lone.items():
        spelled = word.upper() if capitals else word
        for i, key in enumerate(keys):
            if key == spelled and i not in covered:
                alone.add(i, in_headline=True)
