"""Answer from an entry, offer a did-you-mean, or fall back to an adviser."""

from __future__ import annotations

from bot.handlers.turn import Turn
from bot.knowledge.models import Entry
from bot.replies import Action, Choice, Reply

MAX_RELATED = 3
# Answers an acute situation may have been read as: they offer to raise it as a crisis with
# one press (the model reads some situations as these questions; a missed crisis costs most).
RAISES_CRISIS = frozenset(
    {"crisis.on_duty_press_officer", "press.journalist_called", "crisis.press_preparedness_group"}
)


def answer(turn: Turn, entry: Entry, confidence: float, maybe_crisis: bool = False) -> Reply:
    lang = turn.entry_lang(entry)
    text = entry.answer[lang]
    if lang != turn.lang:
        language = turn.msg(f"language_{lang}")
        text = f"{turn.msg('only_in_language', language=language)}\n\n{text}"
    choices = [
        Choice(
            turn.msg("helpful"),
            Action("feedback", _rated("helpful", entry, turn), turn.lang),
        ),
        Choice(
            turn.msg("not_helpful"),
            Action("feedback", _rated("not_helpful", entry, turn), turn.lang),
        ),
        Choice(turn.msg("ask_adviser"), Action("adviser", {"entry": entry.id}, turn.lang)),
    ]
    if maybe_crisis or entry.id in RAISES_CRISIS:
        choices.insert(0, raise_crisis(turn))
    for related_id in entry.related[:MAX_RELATED]:
        related = turn.entry(related_id)
        if related is not None:
            label = f"{turn.msg('related')}: {turn.title(related)}"
            choices.append(Choice(label, Action("entry", {"entry": related_id}, turn.lang)))
    return Reply(
        kind="answer",
        text=text,
        language=lang,
        entry=entry.id,
        confidence=confidence,
        choices=choices,
        title=entry.title.get(lang) or turn.title(entry),
        source=cited(turn, entry),
    )


def cited(turn: Turn, entry: Entry) -> str:
    """The asker's own organisation's documents and public sources (law) first; another
    organisation's document after them, named as a common basis, not as this one's policy."""
    own = turn.org.org.seeds
    mine = [s.name for s in entry.source if s.seed is None or s.seed in own]
    common = [s.name for s in entry.source if s.seed is not None and s.seed not in own]
    parts = mine + ([f"{turn.msg('common_basis')}: {'; '.join(common)}"] if common else [])
    return "; ".join(parts)


def suggestions(
    turn: Turn, entry_ids: list[str], confidence: float, maybe_crisis: bool = False
) -> Reply:
    """A did-you-mean; with a crisis button first when it may be one, or one candidate is
    an answer an acute situation may have been read as (in a hurry, one press, not two)."""
    offer = maybe_crisis or RAISES_CRISIS.intersection(entry_ids)
    choices = [raise_crisis(turn)] if offer else []
    for entry_id in entry_ids:
        entry = turn.entry(entry_id)
        if entry is not None:
            choices.append(
                Choice(turn.title(entry), Action("entry", {"entry": entry_id}, turn.lang))
            )
    none = Action("none_of_these", {"message": turn.message_id}, turn.lang)
    choices.append(Choice(turn.msg("none_of_these"), none))
    return Reply(
        kind="suggestions",
        text=turn.msg("did_you_mean"),
        language=turn.lang,
        confidence=confidence,
        suggestions=list(entry_ids),
        choices=choices,
    )


def fallback(
    turn: Turn, confidence: float, out_of_scope: bool = False, maybe_crisis: bool = False
) -> Reply:
    """Nothing fits; for a question the model knows is not ours, say whose it is. One that
    may also be a crisis ("bombhot mot sjukhuset", "akut") asks whether it is urgent, and
    offers to raise it."""
    if maybe_crisis:
        text = turn.msg("fallback_maybe_crisis")
    elif out_of_scope:
        text = turn.knowledge.intents["out_of_scope"].reply[turn.lang]
    else:
        text = turn.msg("fallback")
    return Reply(
        kind="fallback",
        text=text,
        language=turn.lang,
        confidence=confidence,
        choices=[
            *([raise_crisis(turn)] if maybe_crisis else []),
            Choice(turn.msg("ask_adviser"), Action("adviser", {}, turn.lang)),
        ],
    )


def raise_crisis(turn: Turn) -> Choice:
    """A button that raises this question as a crisis (`bot.handlers.crisis.on_button`)."""
    return Choice(
        turn.msg("raise_crisis"), Action("crisis", {"question": turn.message_id}, turn.lang)
    )


def _rated(verdict: str, entry: Entry, turn: Turn) -> dict[str, str]:
    return {"verdict": verdict, "entry": entry.id, "message": turn.message_id}


def on_entry(turn: Turn, action: Action) -> list[Reply]:
    """A did-you-mean choice or a related entry: its answer."""
    entry = turn.entry(action.arg("entry"))
    if entry is None:
        return [Reply("notice", turn.msg("unknown_entry"), turn.lang)]
    return [answer(turn, entry, 1.0)]


ACTIONS = {"entry": on_entry}
