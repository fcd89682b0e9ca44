"""'dashboard' in chat: an admin or adviser gets a one-time sign-in link."""

from __future__ import annotations

from bot.dashboard.access import Access, NoAccess
from bot.handlers.turn import Turn
from bot.replies import Action, Reply


def on_dashboard(turn: Turn, action: Action) -> list[Reply]:
    access = Access(turn.knowledge, turn.desk.sessions, turn.desk.clock)
    try:
        url = access.link(turn.org.id, turn.user, turn.services.public_url)
    except NoAccess:
        return [Reply("notice", turn.msg("dashboard_no_access"), turn.lang)]
    return [Reply("notice", turn.msg("dashboard_link", url=url), turn.lang)]


ACTIONS = {"dashboard": on_dashboard}
