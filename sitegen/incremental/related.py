"""Related articles after an edit: only the articles a change can reach are worked out again.

``site.collect.related_articles`` is the pure full pass; this module keeps what that pass saw
(``RelatedMemo``, in the build cache) and redoes the articles near a change, with the same result
(tests/test_collect.py holds the two equal).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence

from sitegen.core.model import Article, RelatedMemo
from sitegen.site.collect import (
    RELATED,
    WINDOW,
    Related,
    RelatedKey,
    Words,
    members,
    related_keys,
    related_pass,
    related_to,
    words_of,
)


def related_again(ordered: Sequence[Article], memo: RelatedMemo, limit: int = RELATED) -> Related:
    """``related_articles`` of the articles (newest first), worked out again only near what changed since
    the memo's pass; the memo is brought up to date (in place: the preview keeps it in memory)."""
    ordered = list(ordered)
    urls_now = [a.url for a in ordered]
    keys = related_keys(ordered)
    changed = _changed(memo, urls_now, keys)
    if changed is None:
        words = [words_of(a) for a in ordered]
        by_tag, by_word, found = related_pass(keys, words, limit)
        memo.words = [" ".join(w) for w in words]
    elif changed:
        if memo.index is None:
            old_words = [tuple(w.split()) for w in memo.words]
            by_tag, by_word = members(memo.keys, old_words)
        else:
            old_words, by_tag, by_word = memo.index
            memo.index = None  # changed in place below: kept again only once the memo matches it
        words = list(old_words)
        for i in changed:
            words[i] = words_of(ordered[i])
            _move(by_tag, i, memo.keys[i][0], keys[i][0])
            _move(by_word, i, old_words[i], words[i])
            memo.words[i] = " ".join(words[i])
        found = memo.found
        for i in _near_changes(changed, (memo.keys, old_words), keys, words, by_tag, by_word):
            found[i] = related_to(i, keys, words, by_tag, by_word, limit)
    else:  # nothing it looks at has changed (an edited body, say): the last pass stands
        return Related(ordered, memo.found)
    memo.urls, memo.keys, memo.found, memo.index = urls_now, keys, found, (words, by_tag, by_word)
    return Related(ordered, found)


def _changed(memo: RelatedMemo, urls_now: list[str], keys: list[RelatedKey]) -> list[int] | None:
    """Positions whose tags, headline or summary changed since the memo's pass; None when a full pass is due
    (no pass yet, articles added, removed or reordered, or so many changes that one full pass is cheaper)."""
    if memo.urls != urls_now or len(memo.found) != len(urls_now):
        return None
    changed = [i for i, key in enumerate(keys) if key != memo.keys[i]]
    return changed if len(changed) <= max(10, len(keys) // 50) else None


def _move(index: dict[str, list[int]], i: int, old: Iterable[str], new: Iterable[str]) -> None:
    """Article ``i`` out of the lists of the names it no longer has, into those of the names it now has."""
    old, new = set(old), set(new)
    for name in old - new:
        positions = index[name]
        del positions[bisect_left(positions, i)]
    for name in new - old:
        insort(index[name], i)


def _near_changes(changed: list[int], old: tuple[list[RelatedKey], list[Words]], keys: list[RelatedKey],
                  words: list[Words], by_tag: dict[str, list[int]], by_word: dict[str, list[int]]) -> set[int]:
    """The articles whose candidates a change can reach: the changed ones, and every article within a
    window of one of them in any tag or word list the changed article is (or was) in. Those lists are
    looked at as they are now and as they were (the changed articles' old memberships put back)."""
    old_keys, old_words = old
    affected = set(changed)
    was = {i: (set(old_keys[i][0]), set(old_words[i])) for i in changed}
    now = {i: (set(keys[i][0]), set(words[i])) for i in changed}
    lists = [(by_tag, 0), (by_word, 1)]
    for c in changed:
        for index, part in lists:
            for name in was[c][part] | now[c][part]:
                positions = index.get(name, [])
                before = sorted({*(j for j in positions if j not in was or name in was[j][part]),
                                 *(j for j in was if name in was[j][part])})
                for sequence in (positions, before):
                    at = bisect_left(sequence, c)
                    affected.update(sequence[max(0, at - WINDOW - 1): at + WINDOW + 2])
    return affected
