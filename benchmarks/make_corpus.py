"""A deterministic corpus of realistic news articles, as seeds and as content files.

    python benchmarks/make_corpus.py N DIR [--seed S] [--plain]

Writes DIR/seeds/*.txt (the seed format), DIR/content/*.md (the same articles as content files, so other
generators can build them too) and DIR/sitegen.yaml (default settings: search on). Articles have 500-800
words in 8-14 paragraphs, 2-5 tags from a Zipf-like pool of 300, dates spread over 10 years with several
articles on many days. Most content files (85%) carry Markdown the way people write it: emphasis, a link or
two, and some of a subheading, a bulleted list and a quotation; ``--plain`` writes plain paragraphs only
(what seeds convert to, the corpus of the first benchmarks: the same articles, without the formatting).
The same N, seed and flag always give byte-identical files.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

from sitegen.content import frontmatter, markup
from sitegen.core import urls

WORDS = ["government", "minister", "officials", "said", "talks", "agreement", "economy", "markets", "report", "security", "council", "president", "election", "vote", "parliament", "spokesman", "statement", "week", "country", "region", "border", "trade", "sanctions", "energy", "prices", "inflation", "bank", "rates", "growth", "forecast", "analysts", "investors", "crisis", "conflict", "ceasefire", "humanitarian", "aid", "refugees", "climate", "summit", "leaders", "delegation", "foreign", "policy", "defence", "military", "troops", "exercise", "negotiations", "opposition", "protest", "police", "court", "ruling", "judge", "investigation", "corruption", "reform", "budget", "tax", "spending", "unemployment", "workers", "union", "strike", "industry", "exports", "imports", "shipping", "port", "pipeline", "gas", "oil", "wheat", "harvest", "drought", "flood", "storm", "earthquake", "rescue", "hospital", "health", "vaccine", "outbreak", "schools", "students", "university", "technology", "company", "shares", "profits", "losses", "merger", "regulator", "data", "privacy", "internet", "satellite", "launch", "capital", "city", "province", "village", "residents", "local", "authorities", "mayor", "council", "housing", "transport", "rail", "airport"]
FIRST = ["Anna", "Maria", "Li", "Wei", "Omar", "Fatima", "John", "Sarah", "Ivan", "Olga", "Kenji", "Aiko", "Pedro", "Lucia", "Ahmed", "Amina", "Piotr", "Eva"]
LAST = ["Smith", "Chen", "Haddad", "Novak", "Garcia", "Tanaka", "Ivanova", "Okafor", "Rossi", "Kowalski", "Silva", "Nguyen", "Petrov", "Dubois"]
PLACES = ["Moscow", "Beijing", "Kyiv", "Paris", "Berlin", "London", "Tokyo", "Cairo", "Nairobi", "Lima", "Delhi", "Jakarta", "Ankara", "Rome"]
AGENCIES = ["Reuters", "AFP", "AP", "Staff", "Agencies", "DPA", "EFE"]


def tag_pool(rng: random.Random) -> list[str]:
    """300 distinct tag names: places, people and topics."""
    pool: list[str] = list(PLACES)
    while len(pool) < 300:
        name = rng.choice([
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}",
            rng.choice(WORDS).title(),
        ])
        if name not in pool:
            pool.append(name)
    return pool


def zipf_choice(rng: random.Random, pool: list[str], weights: list[float], k: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < k:
        tag = rng.choices(pool, weights)[0]
        if tag not in chosen:
            chosen.append(tag)
    return chosen


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
    if rng.random() < 0.4:
        words.insert(rng.randrange(len(words)), rng.choice(PLACES))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"{rng.choice(FIRST)} {rng.choice(LAST)}")
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "?", ","]).replace(",", ".")


def paragraph(rng: random.Random, words: int) -> str:
    out: list[str] = []
    count = 0
    while count < words:
        s = sentence(rng)
        out.append(s)
        count += len(s.split())
    return " ".join(out)


def formatted(paragraphs: list[str], rng: random.Random) -> str:
    """The paragraphs as Markdown with formatting: emphasis and links in the text, and some structure."""
    out = []
    for i, text in enumerate(paragraphs):
        words = text.split(" ")
        if rng.random() < 0.5 and len(words) > 6:
            k = rng.randrange(1, len(words) - 3)
            mark = rng.choice(["*", "**", "_"])
            words[k] = f"{mark}{words[k].strip('.,?')}{mark}"
        if rng.random() < 0.25 and len(words) > 8:
            k = rng.randrange(1, len(words) - 4)
            anchor = " ".join(w.strip(".,?*_") for w in words[k:k + 2])
            words[k:k + 2] = [f"[{anchor}](https://example.org/{rng.choice(WORDS)}/{rng.randrange(10**6)})"]
        out.append(" ".join(words))
        if i == len(paragraphs) // 2 and rng.random() < 0.5:
            out.append(f"## {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}")
        if i == 2 and rng.random() < 0.4:
            out.append("\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(2, 4))))
        if i == 4 and rng.random() < 0.4:
            out.append(f"> {sentence(rng)}")
    return "\n\n".join(out)


def make_corpus(n: int, folder: Path, seed: int = 1, plain: bool = False) -> None:
    rng = random.Random(seed)
    pool = tag_pool(rng)
    weights = [1 / (rank + 1) for rank in range(len(pool))]
    start = date(2014, 1, 1)
    days = 3650
    (folder / "seeds").mkdir(parents=True, exist_ok=True)
    (folder / "content").mkdir(parents=True, exist_ok=True)
    (folder / "sitegen.yaml").write_text("title: Benchmark News\nbase_url: http://localhost:8000/\n")
    taken: set[tuple[date, str]] = set()
    for i in range(n):
        # Clustered dates: most articles fall on a smaller set of busy days.
        day = start + timedelta(days=int(rng.betavariate(1.2, 1.2) * days) if rng.random() < 0.5
                                else rng.randrange(days) // 3 * 3)
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 11))).capitalize()
        slug = urls.slugify(title)
        while (day, slug) in taken:
            slug += "-2"
        taken.add((day, slug))
        count, total = rng.randint(8, 14), rng.randint(500, 760)
        paragraphs = [paragraph(rng, total // count) for _ in range(count)]
        byline = rng.sample(AGENCIES, rng.randint(1, 2))
        tags = zipf_choice(rng, pool, weights, rng.randint(2, 5))
        name = f"{i:06d}"
        seed_text = f" date {day.isoformat()} {title}\n\nBy {', '.join(byline)}\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / "seeds" / f"{name}.txt").write_text(seed_text, encoding="utf-8")
        meta = {
            "title": title, "date": day, "authors": byline, "tags": tags, "slug": slug,
            "summary": paragraphs[0][:200], "source": f"seeds/{name}.txt",
        }
        style = random.Random(seed * 1_000_003 + i)  # its own generator: --plain gives the same articles
        if plain or style.random() >= 0.85:
            body = "\n\n".join(markup.literal(p) for p in paragraphs)
        else:
            body = formatted(paragraphs, style)
        (folder / "content" / f"{day.isoformat()}-{slug}.md").write_text(frontmatter.dump(meta, body), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("folder", type=Path, help="where to write seeds/, content/ and sitegen.yaml")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--plain", action="store_true", help="plain paragraphs only, no Markdown formatting")
    args = parser.parse_args()
    make_corpus(args.n, args.folder, args.seed, args.plain)
    print(f"wrote {args.n} articles to {args.folder}")


if __name__ == "__main__":
    main()
