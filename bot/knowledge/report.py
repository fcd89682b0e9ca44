"""What `kombot kb check` prints: a summary per organisation."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from rich import box
from rich.table import Table

from bot.knowledge.loader import Knowledge
from bot.languages import LANGS


def summary_table(knowledge: Knowledge, today: dt.date) -> Table:
    table = Table(
        title=f"knowledge {knowledge.version}",
        caption="answers and examples per language (" + "/".join(LANGS) + "); stale: past review",
        box=box.SIMPLE,
    )
    table.add_column("org", no_wrap=True)
    table.add_column("entries", justify="right")
    table.add_column("answers", justify="right", no_wrap=True)
    table.add_column("examples", justify="right", no_wrap=True)
    table.add_column("stale", justify="right")
    for org_id, org in sorted(knowledge.orgs.items()):
        answers = Counter(lang for e in org.entries.values() for lang in e.answer)
        examples: Counter = Counter()
        for entry in org.entries.values():
            for lang, items in entry.examples.items():
                examples[lang] += len(items)
        stale = sum(1 for e in org.entries.values() if e.review_by < today)
        table.add_row(
            org_id,
            str(len(org.entries)),
            "/".join(str(answers[lang]) for lang in LANGS),
            "/".join(str(examples[lang]) for lang in LANGS),
            f"[red]{stale}[/red]" if stale else "0",
        )
    return table


def stale_entries(knowledge: Knowledge, today: dt.date) -> list[tuple[str, str, str, dt.date]]:
    """(org, entry, owner, review_by) for every entry past its review date."""
    return sorted(
        (org_id, e.id, e.owner, e.review_by)
        for org_id, org in knowledge.orgs.items()
        for e in org.entries.values()
        if e.review_by < today
    )
