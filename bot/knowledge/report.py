"""What `kombot kb check` prints: a summary per organisation."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from rich import box
from rich.table import Table

from bot.knowledge.loader import Knowledge
from bot.languages import LANGS
from bot.understanding.training import CrossValidation
from bot.workdays import is_working_day

WEAKEST = 8  # entries listed by cross-validated accuracy, weakest first


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


def validation_tables(org_id: str, validation: CrossValidation) -> list[Table]:
    """The weakest entries and the pairs most confused: which examples to improve."""
    accuracy = validation.per_class_accuracy()
    overall = sum(t == p for t, p in zip(validation.labels, validation.predicted, strict=True))
    weakest = Table(
        title=f"{org_id}: cross-validated accuracy {overall / len(validation.labels):.3f}",
        caption="each example judged by a model trained without it (3 folds)",
        box=box.SIMPLE,
    )
    weakest.add_column("weakest")
    weakest.add_column("accuracy", justify="right")
    for label, share in sorted(accuracy.items(), key=lambda kv: kv[1])[:WEAKEST]:
        weakest.add_row(_shown(label), f"{share:.2f}")
    confused = Table(box=box.SIMPLE)
    confused.add_column("examples of")
    confused.add_column("taken for")
    confused.add_column("times", justify="right")
    for truth, guess, times in validation.confusions(WEAKEST):
        confused.add_row(_shown(truth), _shown(guess), str(times))
    return [weakest, confused]


def _shown(label: str) -> str:
    return label.removeprefix("entry:")


def meetings_on_closed_days(knowledge: Knowledge) -> list[tuple[str, str, dt.date]]:
    """Dialogue meetings the directory puts on a weekend or public holiday (org, leader,
    date): likely a typing error, and the nudges around them move."""
    return [
        (org.id, leader.email, leader.dialogue_meeting)
        for org in knowledge.orgs.values()
        for leader in org.directory.leaders
        if not is_working_day(leader.dialogue_meeting, org.org.country)
    ]
