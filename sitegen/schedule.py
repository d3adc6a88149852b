"""``sitegen schedule``: when the site next changes by itself, and a loop that rebuilds (and deploys) then.

Every build records in the cache folder (``timeline.json``) the next moment at which the same content
builds another site (an embargo lifts, an article expires, the news sitemap's two-day window moves) and
which articles it held back or killed; ``sitegen check`` reads the latter to look for leaks. A site
without that record (a fresh clone) is read from its content files instead (``scan``).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sitegen.core.config import Config
from sitegen.core.errors import BuildFailed, SitegenError
from sitegen.core.files import replace_file
from sitegen.core.timeline import Timeline

RECORD = "timeline.json"
FORMAT = 1
RETRY = 60  # seconds before a failed rebuild is tried again


@dataclass
class Withheld:
    """An article no output file may show: held back (embargo) or killed (only its notice remains)."""

    url: str
    slug: str
    title: str
    path: str  # its content file, as the user would type it
    why: str  # "held until <ISO time>" or "killed"

    @property
    def killed(self) -> bool:
        return self.why == "killed"


@dataclass
class Record:
    built: str | None = None  # the moment the last build went by
    next_change: str | None = None  # ISO
    reasons: list[str] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)


def _withheld(line: Timeline, root: Path) -> list[Withheld]:
    from sitegen.core.errors import shown_path

    found = [Withheld(a.url, a.slug, a.title, shown_path(a.path, root), f"held until {a.released.isoformat()}")
             for a in line.held]
    found += [Withheld(a.url, a.slug, a.title, shown_path(a.path, root), "killed") for a in line.killed]
    return sorted(found, key=lambda w: (w.url, w.path))


def record_of(line: Timeline, root: Path) -> Record:
    return Record(line.now.isoformat(), line.next_change.isoformat() if line.next_change else None,
                  list(line.reasons), _withheld(line, root))


def save_record(config: Config, line: Timeline) -> None:
    """Write the build's record into the cache folder, atomically."""
    record = record_of(line, config.root)
    data = {"format": FORMAT, "built": record.built, "next": record.next_change, "reasons": record.reasons,
            "withheld": [vars(w) for w in record.withheld]}
    folder = config.cache_path
    folder.mkdir(parents=True, exist_ok=True)
    replace_file(folder / RECORD, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"), prefix=".timeline.")


def read_record(config: Config) -> Record | None:
    """The last build's record, or None when there is none (or it is damaged: then nothing is trusted)."""
    try:
        data = json.loads((config.cache_path / RECORD).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        return Record(data["built"], data["next"], list(data["reasons"]),
                      [Withheld(**w) for w in data["withheld"]])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def scan(config: Config, now: str | datetime | None = None) -> Record:
    """The record worked out from the content files themselves, without building (no cache needed)."""
    from sitegen.content.load import load_articles, publishable
    from sitegen.core.timeline import split
    from sitegen.incremental.cache import Cache
    from sitegen.pages.feeds import resolve_now

    moment = resolve_now(now, config.tz)
    with tempfile.TemporaryDirectory(prefix="sitegen-scan-") as folder:
        cache = Cache(Path(folder), "scan")
        try:
            articles, _errors = load_articles(config, cache)
        finally:
            cache.close()
    line = split([a for a in publishable(articles, config.drafts) if a.kind == "article"], moment,
                 future=config.publish_future)
    return record_of(line, config.root)


def withheld_articles(config: Config) -> list[Withheld]:
    """What ``sitegen check`` must find in no output file: from the last build's record, else the content."""
    record = read_record(config)
    return (record or scan(config)).withheld


def cron_line(moment: datetime, root: Path) -> str:
    """A crontab line that rebuilds the site at ``moment`` (cron runs in the machine's local time)."""
    local = moment.astimezone()
    return f"{local.minute} {local.hour} {local.day} {local.month} * cd {_quoted(str(root))} && sitegen build"


def _quoted(text: str) -> str:
    import shlex

    return shlex.quote(text)


def describe(record: Record, root: Path, now: datetime) -> list[str]:
    """What ``sitegen schedule`` prints."""
    if record.next_change is None:
        return ["nothing is scheduled: no embargo, expiry or news-sitemap change is due"]
    moment = datetime.fromisoformat(record.next_change)
    seconds = round((moment - now).total_seconds())
    when = f"in {seconds} s" if seconds >= 0 else f"due {-seconds} s ago: the site is out of date, run sitegen build"
    lines = [f"next change: {moment.isoformat()} ({when})"]
    lines += [f"  {reason}" for reason in record.reasons]
    lines.append(f"cron: {cron_line(moment, root)}")
    return lines


def run(config_of: Callable[[], Config], rebuild: Callable[[Config], str | None],
        say: Callable[[str], None] = print, sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time) -> None:
    """Until interrupted: wait for the next change, then ``rebuild`` (build, and deploy if asked). A build
    is made first, so that the record is fresh. ``rebuild`` returns a line to print, or raises."""
    def attempt() -> bool:
        try:
            say(rebuild(config_of()) or "built")
        except BuildFailed as failed:
            for error in failed.errors:
                say(f"error: {error}")
            say(f"build failed: {failed}; trying again in {RETRY} s")
            return False
        except SitegenError as exc:
            say(f"error: {exc}; trying again in {RETRY} s")
            return False
        return True

    while not attempt():
        sleep(RETRY)
    idle = False
    while True:
        config = config_of()
        record = read_record(config)
        if record is None or record.next_change is None:
            if not idle:  # said once: the record is looked at again every minute (another build may add one)
                say("nothing is scheduled; waiting for a build that records an embargo or an expiry")
            idle = True
            sleep(60)
            continue
        idle = False
        due = datetime.fromisoformat(record.next_change).timestamp()
        wait = due - clock()
        say(f"waiting until {record.next_change} ({', '.join(record.reasons)})")
        while wait > 0:
            sleep(min(wait, 60.0))  # looked at again every minute: a clock change or a new article
            wait = due - clock()
        while not attempt():
            sleep(RETRY)
