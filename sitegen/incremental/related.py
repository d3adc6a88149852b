"""Related articles after an edit: only the articles a change can reach are worked out again.

``site.collect.related_articles`` is the pure full pass; this module keeps what that pass saw
(``RelatedMemo``, in the build cache) and redoes the articles near a change, with the same result
(tests/test_collect.py holds the two equal).
"""

from __future__ import annotations

import functools
from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence

from sitegen.core.model import Article, RelatedMemo
from sitegen.core.parallel import Background
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

BACKGROUND_MIN = 1000  # articles: a smaller site's pass takes less time than a process takes to start


def start(ordered: Sequence[Article], memo: RelatedMemo, jobs: int, limit: int = RELATED,
          least: int | None = None) -> Related | None:
    """A first pass (the memo has none to compare with: a first or clean build), as ``related_again`` makes
    it, started now on another core, so that the plan works out every other page meanwhile (at 10k
    articles the pass is ~0.6 s of the plan's ~1.2 s); None when it would not be a first pass, for a site
    of fewer than ``least`` articles (BACKGROUND_MIN), or with one job. The memo is brought up to date once
    it is asked for."""
    if _comparable(memo) or len(ordered) < (BACKGROUND_MIN if least is None else least) or jobs < 2:
        return None
    ordered = list(ordered)
    keys = related_keys(ordered)
    pending = Background(functools.partial(_words_and_found, ordered, keys, limit), jobs)

    def found() -> list[tuple[int, ...]]:
        words, found = pending.result()
        memo.urls, memo.keys, memo.words, memo.found = [a.url for a in ordered], keys, words, found
        memo.index = None  # made again from the words when a later edit in the preview needs it (_old_index)
        return found

    return Related(ordered, found)


def _words_and_found(ordered: list[Article], keys: list[RelatedKey],
                     limit: int) -> tuple[list[Words], list[tuple[int, ...]]]:
    words = [words_of(a) for a in ordered]
    return words, related_pass(keys, words, limit)[2]


def _comparable(memo: RelatedMemo) -> bool:
    """The memo holds a pass that a rebuild can start from."""
    return bool(memo.urls) and len(memo.found) == len(memo.urls) == len(memo.keys)


def related_again(ordered: Sequence[Article], memo: RelatedMemo, limit: int = RELATED) -> Related:
    """``related_articles`` of the articles (newest first), worked out again only near what changed since
    the memo's pass; the memo is brought up to date (in place: the preview keeps it in memory)."""
    ordered = list(ordered)
    urls_now = [a.url for a in ordered]
    keys = related_keys(ordered)
    if memo.urls != urls_now or len(memo.found) != len(urls_now):
        moved = _moved(memo, urls_now, keys)
        if moved is None:
            words = [words_of(a) for a in ordered]
            by_tag, by_word, found = related_pass(keys, words, limit)
        else:
            words, by_tag, by_word, found = _after_moves(ordered, keys, memo, *moved, limit)
        memo.urls, memo.keys, memo.words, memo.found = urls_now, keys, words, found
        memo.index = (words, by_tag, by_word)
        return Related(ordered, found)
    changed = _changed(memo, keys)
    if changed is None:
        words = [words_of(a) for a in ordered]
        by_tag, by_word, found = related_pass(keys, words, limit)
    elif changed:
        old_words, by_tag, by_word = _old_index(memo)
        memo.index = None  # changed in place below: kept again only once the memo matches it
        words = list(old_words)
        for i in changed:
            words[i] = words_of(ordered[i])
            _move(by_tag, i, memo.keys[i][0], keys[i][0])
            _move(by_word, i, old_words[i], words[i])
        found = memo.found
        for i in _near_changes(changed, (memo.keys, old_words), keys, words, by_tag, by_word):
            found[i] = related_to(i, keys, words, by_tag, by_word, limit)
    else:  # nothing it looks at has changed (an edited body, say): the last pass stands
        return Related(ordered, memo.found)
    memo.urls, memo.keys, memo.words, memo.found = urls_now, keys, words, found
    memo.index = (words, by_tag, by_word)
    return Related(ordered, found)


def _old_index(memo: RelatedMemo) -> tuple[list[Words], dict[str, list[int]], dict[str, list[int]]]:
    """The memo's pass's words and positions under each tag and word: kept in memory, or made again."""
    if memo.index is not None:
        return memo.index
    return (memo.words, *members(memo.keys, memo.words))


def _changed(memo: RelatedMemo, keys: list[RelatedKey]) -> list[int] | None:
    """Positions whose tags, headline, summary or time changed since the memo's pass (the same articles in
    the same order); None when so many changed that one full pass is cheaper."""
    changed = [i for i, key in enumerate(keys) if key != memo.keys[i]]
    return changed if len(changed) <= _most(keys) else None


def _most(keys: list[RelatedKey]) -> int:
    """How many changes are worked out one by one; past that a full pass is cheaper."""
    return max(10, len(keys) // 50)


Moves = tuple[list[int | None], list[tuple[int, int | None]], list[int]]


def _moved(memo: RelatedMemo, urls_now: list[str], keys: list[RelatedKey]) -> Moves | None:
    """Articles added or deleted since the memo's pass (the others in the same order): each old position's
    new one (None: deleted), the new positions added or changed (with their old one, None when added), and
    the old positions deleted. None when a full pass is due: no pass yet, the order changed, or many changes."""
    if not _comparable(memo):
        return None
    old_at = {url: j for j, url in enumerate(memo.urls)}
    new_of_old: list[int | None] = [None] * len(memo.urls)
    events: list[tuple[int, int | None]] = []
    last = -1
    for i, url in enumerate(urls_now):
        j = old_at.get(url)
        if j is None:
            events.append((i, None))
            continue
        if j < last:
            return None
        last, new_of_old[j] = j, i
        if keys[i] != memo.keys[j]:
            events.append((i, j))
    gone = [j for j, i in enumerate(new_of_old) if i is None]
    return (new_of_old, events, gone) if len(events) + len(gone) <= _most(keys) else None


def _after_moves(ordered: list[Article], keys: list[RelatedKey], memo: RelatedMemo, new_of_old: list[int | None],
                 events: list[tuple[int, int | None]], gone: list[int], limit: int) \
        -> tuple[list[Words], dict[str, list[int]], dict[str, list[int]], list[tuple[int, ...]]]:
    """The pass after articles were added or deleted: every other article keeps what it found (its positions
    moved), but for those a change is near in a tag or word list, which are worked out again."""
    old_words = memo.words
    n = len(keys)
    words: list[Words] = [()] * n
    for j, i in enumerate(new_of_old):
        if i is not None:
            words[i] = old_words[j]
    for i, _j in events:
        words[i] = words_of(ordered[i])
    by_tag, by_word = members(keys, words)
    # where each change is, in today's positions, and the tags and words it had (then) and has (now)
    now_names = {i: (keys[i][0], words[i]) for i, _j in events}
    then_names = {i: (memo.keys[j][0], old_words[j]) for i, j in events if j is not None}
    spots = [(i, (*then_names.get(i, ((), ())), *now_names[i])) for i, _j in events]
    for j in gone:
        after = next((i for i in new_of_old[j + 1:] if i is not None), n)  # where it was
        spots.append((after, (memo.keys[j][0], old_words[j], (), ())))
    affected = set(now_names)
    for part, index in ((0, by_tag), (1, by_word)):
        for name in {name for _at, names in spots for name in (*names[part], *names[2 + part])}:
            positions = index.get(name, [])
            # the list as it was, in today's positions: without the added and changed articles' places now,
            # with the changed ones' places then (a deleted article's neighbours close up around its spot)
            drop = {i for i, has in now_names.items() if name in has[part]}
            back = {i for i, had in then_names.items() if name in had[part]}
            before = sorted({*(i for i in positions if i not in drop), *back}) if drop or back else positions
            for at_change, names in spots:
                if name in names[part] or name in names[2 + part]:
                    for sequence in (positions, before):
                        at = bisect_left(sequence, at_change)
                        affected.update(sequence[max(0, at - WINDOW - 1): at + WINDOW + 2])
    found: list[tuple[int, ...]] = [()] * n
    for j, i in enumerate(new_of_old):
        if i is not None and i not in affected:
            moved = tuple([new_of_old[k] for k in memo.found[j]])
            if None in moved:  # cannot be (a deleted one was near it), but never show a deleted article
                affected.add(i)
            else:
                found[i] = moved  # type: ignore[assignment]
    for i in affected:
        found[i] = related_to(i, keys, words, by_tag, by_word, limit)
    return words, by_tag, by_word, found


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
