"""The build cache's record: what one build saves, the next reads back exactly; damage means starting afresh."""

import os
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from sitegen.core.errors import ContentError
from sitegen.core.model import Article, Author, Tag
from sitegen.incremental.cache import (
    FORMAT,
    STATE_FILE,
    Cache,
    OutputEntry,
    SourceEntry,
    _path_of,
    read_sources,
    read_state,
)


def test_the_record_reads_back_equal_with_every_kind_of_value(tmp_path: Path) -> None:
    paris = ZoneInfo("Europe/Paris")
    full = Article(
        title="Ü headline", date=datetime(2021, 10, 31, 2, 30, tzinfo=paris, fold=1), slug="u", url="/2021/10/31/u/",
        path=Path("content/ü.md"), fingerprint="abc", authors=(Author("Ann", "ann"),),
        tags=(Tag("C++", "c"), Tag("Oil", "oil")), summary="S", description="D", source="seeds/u.txt", draft=True,
        updated=datetime(2022, 1, 1, tzinfo=timezone(timedelta(hours=5))), image="/i.png",
        extra={"when": date(2020, 1, 2), "nested": {"a": [1, 2.5, None]}},
    )
    bare = Article(title="T", date=datetime(1, 1, 1, tzinfo=UTC), slug="t", url="/0001/01/01/t/",
                   path=Path("content/t.md"), fingerprint="def")
    # every field set, as the usual compact record holds them (zone-named dates, no extra keys)
    usual = Article(title="Usual", date=datetime(2021, 10, 31, 2, 30, tzinfo=paris, fold=1), slug="v",
                    url="/2021/10/31/v/", path=Path("content/v.md"), fingerprint="ghi",
                    authors=(Author("Ann", "ann"), Author("Bo", "bo")), tags=(Tag("Oil", "oil"),), summary="Same",
                    description="Same", source="seeds/v.txt", draft=True, updated=datetime(2022, 1, 1, tzinfo=paris),
                    image="")
    # separators and control characters that the compact record uses: kept exactly all the same
    odd = Article(title="A\x1fB\x00", date=datetime(2020, 1, 1, tzinfo=UTC), slug="w", url="/2020/01/01/w/",
                  path=Path("content/w.md"), fingerprint="jkl", tags=(Tag("X\x1eY", "x\x1dy"),), summary="",
                  description="\x00")
    cache = Cache(tmp_path, "key")
    cache.state.sources = {
        "content/ü.md": SourceEntry(1, 2, "d1", full, []),
        "content/t.md": SourceEntry(3, 4, "d2", bare, []),
        "content/v.md": SourceEntry(7, 8, "d4", usual, []),
        "content/w.md": SourceEntry(9, 10, "d5", odd, []),
        "content/bad.md": SourceEntry(5, 6, "d3", None, [ContentError(Path("content/bad.md"), 3, "broken")]),
    }
    cache.state.outputs = {"index.html": OutputEntry("sig", 10, 11)}
    cache.state.global_signature = "g"
    cache.state.related.urls, cache.state.related.found = ["/a/", "/b/"], [(1,), (0,)]
    cache.state.plan.structure, cache.state.plan.pages = "s", [("index.html", "index.html", "sig")]
    cache.save()
    back = read_state(tmp_path, "key")
    def shown(sources):
        return {k: e._replace(errors=[str(x) for x in e.errors], record=None) for k, e in sources.items()}

    assert shown(back.sources) == shown(cache.state.sources)
    cache.state = back  # saved again as read (each article's record reused): still the same
    cache.save()
    assert shown(read_state(tmp_path, "key").sources) == shown(back.sources)
    assert (back.plan.structure, back.plan.pages) == ("s", [("index.html", "index.html", "sig")])
    assert back.sources["content/ü.md"].article.extra == full.extra
    assert back.sources["content/ü.md"].article.date.fold == 1
    assert back.sources["content/v.md"].article.date.fold == 1
    assert back.sources["content/bad.md"].errors[0].message == "broken"
    assert back.outputs == cache.state.outputs and back.global_signature == "g"
    assert back.related == cache.state.related
    # what a clean build reads of it: where each was published, from the compact and the pickled records
    published = read_sources(tmp_path, "key")
    kept = ("url", "path", "date", "source", "draft", "kind", "lang", "translation_key")
    assert {rel: [getattr(e.article, name) for name in kept] for rel, e in published.items() if e.article} == \
        {rel: [getattr(e.article, name) for name in kept] for rel, e in back.sources.items() if e.article}
    assert published["content/bad.md"].article is None and published["content/v.md"].article.title == ""
    assert {(e.mtime_ns, e.article.summary, e.article.tags) for e in published.values() if e.article} == {(-1, "", ())}


def test_a_record_in_many_frames_reads_back_whole_and_one_cut_at_any_frame_is_empty(tmp_path: Path,
                                                                                       monkeypatch) -> None:
    from sitegen.incremental import cache as cache_module

    monkeypatch.setattr(cache_module, "_FRAME", 2)  # five sources, three outputs: several frames of each
    cache = Cache(tmp_path, "key")
    cache.state.sources = {f"content/{n}.md": SourceEntry(n, n, f"d{n}", Article(
        title=f"T{n}", date=datetime(2020, 1, n + 1, tzinfo=UTC), slug=f"t{n}", url=f"/2020/01/0{n + 1}/t{n}/",
        path=Path(f"content/{n}.md"), fingerprint=f"f{n}"), []) for n in range(5)}
    cache.state.outputs = {f"{n}/index.html": OutputEntry(f"sig{n}", n, n) for n in range(3)}
    cache.state.plan.structure, cache.state.plan.pages = "s", [("index.html", "index.html", "sig")]
    cache.save()
    back = read_state(tmp_path, "key")
    assert [e.article.title for e in back.sources.values()] == [f"T{n}" for n in range(5)]
    assert back.outputs == cache.state.outputs and back.plan == cache.state.plan
    published = read_sources(tmp_path, "key")  # what a clean build asks: the rest of the record left unread
    assert [(rel, e.article.url, e.article.path, e.article.date) for rel, e in published.items()] == \
        [(rel, e.article.url, e.article.path, e.article.date) for rel, e in back.sources.items()]
    assert {(e.mtime_ns, e.article.title, e.article.fingerprint) for e in published.values()} == {(-1, "", "")}
    assert read_sources(tmp_path, "other key") == {}
    data = (tmp_path / STATE_FILE).read_bytes()
    at, cuts = 0, []
    while at < len(data):  # every frame boundary: the file cut there is no record at all
        at += 8 + int.from_bytes(data[at:at + 8], "little")
        cuts.append(at)
    assert len(cuts) > 8
    for cut in cuts[:-1]:
        (tmp_path / STATE_FILE).write_bytes(data[:cut])
        state = read_state(tmp_path, "key")
        assert state.sources == {} and state.plan.pages == [], cut
        assert read_sources(tmp_path, "key") == {}, cut  # also cut after the sources' frames


def test_a_damaged_or_foreign_record_is_an_empty_one(tmp_path: Path) -> None:
    import marshal

    cache = Cache(tmp_path, "key")
    cache.state.global_signature = "g"
    cache.save()
    assert read_state(tmp_path, "other key").global_signature == ""
    good = (tmp_path / STATE_FILE).read_bytes()
    for damaged in (good[:40], b"junk", marshal.dumps((FORMAT, "key", "g", {"x": (1,)}, {}, ([], [], [], [])))):
        (tmp_path / STATE_FILE).write_bytes(damaged)
        assert read_state(tmp_path, "key").global_signature == ""


def test_a_forked_worker_reads_on_its_own_connection_and_never_closes_the_parents(tmp_path: Path) -> None:
    """SQLite: a connection must not be used or closed in a forked child (closing it there may checkpoint or
    remove the write-ahead log under the parent). A worker opens its own and keeps the inherited one."""
    import gc
    import sqlite3

    def open_connections() -> list[sqlite3.Connection]:
        gc.collect()
        return [o for o in gc.get_objects() if isinstance(o, sqlite3.Connection)]

    cache = Cache(tmp_path, "k")
    cache.put_html([("a", "<p>A</p>")])
    parents = cache._db
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        try:
            body = cache.html("a")
            # its own connection, and the parent's one still there: not deallocated, so never closed
            fine = body == "<p>A</p>" and cache._db is not parents and any(c is parents for c in open_connections())
            del parents
            os.write(write, b"ok" if fine and len(open_connections()) == 2 else b"closed")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 100) == b"ok"
    cache.put_html([("b", "<p>B</p>")])
    assert cache.html("a") == "<p>A</p>" and cache.html("b") == "<p>B</p>"
    assert cache._db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_damaged_bodies_database_starts_the_cache_afresh(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "k")
    cache.state.sources["content/a.md"] = SourceEntry(1, 2, "d", None, [])
    cache.put_html([("d", "<p>A</p>")])
    cache.save()
    cache.close()
    assert Cache(tmp_path, "k").state.sources  # as saved
    (tmp_path / "html.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    fresh = Cache(tmp_path, "k")
    assert fresh.state.sources == {}  # the records would name bodies that are gone
    fresh.put_html([("e", "<p>E</p>")])
    assert fresh.html("e") == "<p>E</p>"


def test_every_article_field_is_kept_by_the_compact_record_without_an_edit_to_the_cache(tmp_path: Path) -> None:
    """The record follows the dataclass: a field of a type the string codes (text, dates, flags, paths,
    tags and authors) round-trips as a string, whatever fields the model gains."""
    from dataclasses import MISSING, fields

    from sitegen.core.model import field_type
    from sitegen.incremental.cache import _article_record

    tokyo = datetime(2022, 3, 4, 5, 6, tzinfo=ZoneInfo("Asia/Tokyo"))
    samples = {str: "text", str | None: "maybe", bool: True, datetime: tokyo,
               datetime | None: datetime(2022, 3, 5, tzinfo=ZoneInfo("UTC")), Path: Path("content/p.md"),
               tuple[Author, ...]: (Author("Ann", "ann"),), tuple[Tag, ...]: (Tag("Oil", "oil"), Tag("Gas", "gas"))}
    def default(f):
        return f.default_factory() if f.default_factory is not MISSING else f.default

    values = {f.name: samples.get(field_type(f.name), default(f)) for f in fields(Article)}
    every = Article(**values)
    assert isinstance(_article_record(every), str)
    cache = Cache(tmp_path, "key")
    cache.state.sources = {"content/p.md": SourceEntry(1, 2, "d", every, [])}
    cache.save()
    back = read_state(tmp_path, "key").sources["content/p.md"].article
    assert {f.name: getattr(back, f.name) for f in fields(Article)} == values


@given(st.lists(st.sampled_from(["content", "a b", "ü", "..", ".x", "news", "2023"]), min_size=0, max_size=4),
       st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="/\x00"), min_size=1, max_size=12),
       st.booleans())
def test_a_path_read_back_from_the_record_is_the_path_written(folders: list[str], name: str, absolute: bool) -> None:
    written = Path(("/" if absolute else "") + "/".join([*folders, name]))
    back = _path_of(str(written))
    assert back == written and str(back) == str(written) and back.parts == written.parts
    assert back.name == written.name and back.parent == written.parent
