"""`kombot eval`: run an evaluation file through the engine and score it.

The file format and the `--json` shape are fixed in shared/eval/README.md.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.engine import Engine
from bot.languages import LANGS
from bot.replies import Incoming, Reply

ABSTAINING_INTENTS = {"help", "greeting"}
ACTING_INTENTS = {"crisis", "route_request", "tickets", "goals", "plain_language", "contact"}


class EvalFileError(ValueError):
    """An evaluation file that cannot be run; the message says where and why."""


@dataclass
class Item:
    q: str
    org: str
    expect: Any
    lang: str | None
    style: list[str]
    kind: str
    entry: str | None
    intent: str | None
    language: str
    confidence: float
    suggestions: list[str]
    ok: bool
    ok_top3: bool
    ms: float

    @property
    def confidently_wrong(self) -> bool:
        """Acted on the wrong thing: a wrong entry answered, or a wrong intent carried out."""
        acted = self.kind == "answer" or (self.kind == "intent" and self.intent in ACTING_INTENTS)
        return acted and not self.ok


def read_items(path: Path) -> list[dict]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EvalFileError(f"{path}: {exc}") from exc
    if not isinstance(data, list):
        raise EvalFileError(f"{path}: an evaluation file is a YAML list of items")
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict) or "q" not in item or "expect" not in item:
            raise EvalFileError(f"{path}: item {number} needs 'q' and 'expect'")
    return data


def main_reply(replies: list[Reply]) -> Reply:
    return next((r for r in replies if r.kind != "notice"), replies[-1])


def _matches(expect: Any, reply: Reply, top3: bool) -> bool:
    if isinstance(expect, list):
        return any(_matches(e, reply, top3) for e in expect)
    if expect is None:
        return reply.kind in ("fallback", "suggestions") or (
            reply.kind == "intent" and reply.intent in ABSTAINING_INTENTS
        )
    expect = str(expect)
    if expect.startswith("intent:"):
        return reply.kind == "intent" and reply.intent == expect.removeprefix("intent:")
    if reply.kind == "answer" and reply.entry == expect:
        return True
    return top3 and reply.kind == "suggestions" and expect in reply.suggestions


def _in_scope(expect: Any) -> bool:
    if isinstance(expect, list):
        return any(e is not None for e in expect)
    return expect is not None


def run(
    engine: Engine,
    items: list[dict],
    default_org: str,
    progress: Callable[[Iterable], Iterable] = iter,
) -> list[Item]:
    orgs = {raw.get("org") or default_org for raw in items}
    unknown = sorted(orgs - set(engine.knowledge.orgs))
    if unknown:
        raise EvalFileError(f"unknown org(s) in the evaluation file: {', '.join(unknown)}")
    for org in orgs:
        engine.warm(org)  # building an org's index is start-up, not question latency
    results = []
    for number, raw in enumerate(progress(items)):
        org = raw.get("org") or default_org
        started = time.perf_counter()
        # each item from its own asker: no item is read as the follow-up of the one before
        incoming = Incoming(text=str(raw["q"]), org=org, user=f"eval-{number}", channel="eval")
        reply = main_reply(engine.handle(incoming))
        ms = (time.perf_counter() - started) * 1000
        results.append(
            Item(
                q=str(raw["q"]),
                org=org,
                expect=raw["expect"],
                lang=raw.get("lang"),
                style=_styles(raw.get("style")),
                kind=reply.kind,
                entry=reply.entry,
                intent=reply.intent,
                language=reply.language,
                confidence=round(reply.confidence, 3),
                suggestions=reply.suggestions,
                ok=_matches(raw["expect"], reply, top3=False),
                ok_top3=_matches(raw["expect"], reply, top3=True),
                ms=round(ms, 3),
            )
        )
    return results


def _styles(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _expects_crisis(expect: Any) -> bool:
    return expect == "intent:crisis" or (isinstance(expect, list) and expect == ["intent:crisis"])


def _share(flags: list[bool]) -> float:
    return round(sum(flags) / len(flags), 4) if flags else 0.0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 3)


def summary(results: list[Item]) -> dict:
    by_lang: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        if r.lang:
            by_lang[r.lang].append(r.ok)
    by_style: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        for style in r.style:
            by_style[style].append(r.ok)
    times = [r.ms for r in results]
    figures = {
        "total": len(results),
        "top1": _share([r.ok for r in results]),
        "top3": _share([r.ok_top3 for r in results]),
        "in_scope_top1": _share([r.ok for r in results if _in_scope(r.expect)]),
        "out_of_scope_correct": _share([r.ok for r in results if not _in_scope(r.expect)]),
        "language": _share([r.language == r.lang for r in results if r.lang]),
        "by_language": {lang: _share(by_lang[lang]) for lang in LANGS},
        "p50_ms": _percentile(times, 0.50),
        "p99_ms": _percentile(times, 0.99),
        "confidently_wrong": _share([r.confidently_wrong for r in results]),
        "crisis_recall": _share([r.ok for r in results if _expects_crisis(r.expect)]),
    }
    if by_style:
        figures["by_style"] = {
            style: {"n": len(flags), "top1": _share(flags)}
            for style, flags in sorted(by_style.items())
        }
    return figures


def as_json(results: list[Item]) -> dict:
    items = []
    for r in results:
        row = asdict(r)
        row.pop("ok_top3")
        items.append(row)
    return {"summary": summary(results), "items": items}
