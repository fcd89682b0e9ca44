"""Who a request goes to, and why (every decision can be explained to the asker).

Crisis -> the on-duty press officer, urgent. A topic with an expert function -> that
function. Otherwise -> the contact person of the asker's area; the head of communication
(the directory's admins) is the backup, as in seed 002 ("Kommunikationschefen är den som
ytterst har ansvar").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Literal

from bot.directory.models import Directory
from bot.languages import Lang
from bot.understanding.analyse import Analyser

RouteKind = Literal["on_duty", "function", "contact_person"]


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    assignee: str | None  # a person, or None for a function's shared queue
    function: str | None
    priority: Literal["normal", "urgent"]
    area: str | None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Route:
        return cls(**data)


def route(
    directory: Directory, *, crisis: bool, function: str | None, area: str | None, today: dt.date
) -> Route | None:
    """The route, or None when the asker's area must be asked first."""
    if crisis:
        officer = directory.on_duty.officer(today)
        media = "media" if directory.function("media") else None
        return Route("on_duty", officer, media, "urgent", area)
    if function and directory.function(function):
        return Route("function", None, function, "normal", area)
    if area is None or directory.area(area) is None:
        return None
    return Route("contact_person", directory.area(area).contact_person, None, "normal", area)


def function_for_text(keywords: dict[str, frozenset[str]], terms: set[str]) -> str | None:
    """The expert function whose keywords (analysed terms) the request mentions most."""
    best, best_hits = None, 0
    for function_id, function_terms in keywords.items():
        hits = len(terms & function_terms)
        if hits > best_hits:
            best, best_hits = function_id, hits
    return best


def keyword_terms(directory: Directory, analyser: Analyser, lang: Lang) -> dict[str, frozenset]:
    """Each function's keywords as the analyser sees them in `lang` (computed once)."""
    return {
        function.id: frozenset(
            t
            for words in function.keywords.values()
            for w in words
            for t in analyser.terms(w, lang)
        )
        for function in directory.functions
    }


SLACK_CHANNEL = "slack-channel:"  # outbox recipients that are channels, not people
TEAMS_CHANNEL = "teams-channel:"


def recipients(directory: Directory, ticket_route: Route) -> list[str]:
    """Who is told about a new ticket: the assignee or the function's members, and the
    function's triage channel where one is configured."""
    function = directory.function(ticket_route.function or "")
    people = (
        [ticket_route.assignee]
        if ticket_route.assignee
        else (list(function.members) if function else directory.admins())
    )
    if function is not None:
        channels = function.triage_channel
        people += [
            prefix + channels[platform]
            for platform, prefix in (("slack", SLACK_CHANNEL), ("teams", TEAMS_CHANNEL))
            if platform in channels
        ]
    return people


def escalation_ladder(directory: Directory, priority: str) -> list[list[str]]:
    """Who an unclaimed ticket goes to, step by step. Each person is on one step only
    (the backup press officer who is also in the crisis function is told once), and a
    step with nobody new is left out."""
    if priority == "urgent":
        crisis = directory.function("crisis")
        steps = [[directory.on_duty.backup], list(crisis.members) if crisis else []]
    else:
        steps = [directory.admins()]
    ladder, told = [], set()
    for step in steps:
        new = [person for person in dict.fromkeys(step) if person not in told]
        if new:
            ladder.append(new)
            told.update(new)
    return ladder
