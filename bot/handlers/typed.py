"""Every button has a typed equivalent: "mind mig om en uge", "påminn mig om en vecka",
"meld meg av påminnelsene", "luk sag RM-2026-0001"… so a leader whose nudge has scrolled
away, or an adviser in a plain terminal, can still act. A typed command becomes the same
`Action` the button carries, and goes through the same handler and rights."""

from __future__ import annotations

import re

from bot.replies import Action

_TICKET = r"(?P<ticket>[a-z]{2,6}-\d{4}-\d{3,6})"
_CASE = r"(?:(?:sagen|sag|saken|sak|ärendet|ärende|arendet|arende|ticket)\s+)?"
_PATTERNS: list[tuple[str, re.Pattern]] = [
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in [
        (
            "snooze",
            r"^(?:mind|minn|påminn|paminn|remind)\s+(?:mig|meg|me)\s+(?:på\s+|pa\s+)?"
            r"(?:om|in)\s+(?:en|ett|et|a|one)\s+(?:uge|uke|vecka|week)$",
        ),
        (
            "opt_out",
            r"^(?:afmeld|frameld|meld\s+(?:meg\s+|mig\s+)?(?:av|fra)|avsluta|avslutt|stop|stopp"
            r"|turn\s+off|unsubscribe(?:\s+from)?)\s+(?:mine\s+|mina\s+|my\s+|the\s+)?"
            r"(?:p(?:å|aa|a)mi(?:nd|nn)else(?:r|rne|rna|ne)|reminders|nudges)$",
        ),
        (
            "goals_done",
            r"^(?:færdig|faerdig|klart?|ferdig|done)\s+(?:for\s+)?(?:i\s+år|i\s+aar|i\s+ar|"
            r"this\s+year)$",
        ),
        ("claim", rf"^(?:tag|ta|claim|take)\s+{_CASE}{_TICKET}$"),
        (
            "resolve",
            rf"^(?:luk|lukk|løs|los|stäng|stang|resolve|close|marker\w*\s+som\s+løst)"
            rf"\s+{_CASE}{_TICKET}(?:\s+(?:som\s+)?(?:løst|löst|solved|resolved))?$",
        ),
        (
            "cancel_ticket",
            rf"^(?:annuller|annullér|annuler|cancel|avbryt|træk|trekk)\s+"
            rf"(?:min\s+|mitt\s+|my\s+)?{_CASE}{_TICKET}(?:\s+tilbage)?$",
        ),
        ("reassign", rf"^(?:send\s+videre|skicka\s+vidare|reassign)\s+{_CASE}{_TICKET}$"),
        ("show", rf"^(?:vis|visa|show|åbn|öppna|apne|åpne|open)\s+{_CASE}{_TICKET}$"),
        ("home", r"^(?:hjem|hem|home)$"),
        (
            "remove_goal",
            r"^(?:slet|slett|fjern|ta\s+bort|radera|delete|remove)\s+(?:m(?:å|aa|a)l(?:et)?|goal)"
            r"\s*(?:nr\.?\s*|#)?(?P<number>\d{1,3})$",
        ),
        ("dashboard", r"^(?:dashboard|dashbord)$"),
    ]
]


def typed_action(text: str) -> Action | None:
    """The button this message types, if it is one."""
    words = " ".join(text.strip().rstrip(".!").split())
    for name, pattern in _PATTERNS:
        if match := pattern.match(words):
            args = {key: value for key, value in match.groupdict().items() if value}
            if "ticket" in args:
                args["ticket"] = args["ticket"].upper()
            return Action(name, args)
    return None
