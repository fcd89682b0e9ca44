"""The dashboard's pages under /dashboard, in the server's aiohttp application.

Rendered on the server (Jinja2, autoescaped), no script at all, every asset in the
package: the Content-Security-Policy allows only this origin. The figures are computed
in the dashboard's own threads (`run`), never on the event loop: a slow page must not
hold up a Slack acknowledgement. Every page takes a date
range (`since`, `until`, inclusive days), a language (`lang`), and `format=csv`.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections import Counter
from collections.abc import Awaitable, Callable
from importlib.resources import files
from urllib.parse import urlencode

import yaml
from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.config import Settings
from bot.dashboard.access import Access, Viewer
from bot.dashboard.charts import bar_chart
from bot.dashboard.csvs import rows_to_csv
from bot.dashboard.figures import Figures, Period
from bot.engine import Engine
from bot.languages import LANGS

COOKIE = "kombot_dashboard"
DEFAULT_DAYS = 90
LANGUAGE_NAMES = (("da", "Dansk"), ("sv", "Svenska"), ("nb", "Norsk bokmål"), ("en", "English"))
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # the sign-in link never leaks in a Referer
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
STATES = ("open", "claimed", "resolved", "cancelled")


class Dashboard:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        run: Callable[..., Awaitable],
    ):
        self.settings = settings
        self.engine = engine
        self.run = run  # runs blocking work (the database, the figures) off the loop
        self.words = yaml.safe_load(files("bot.dashboard").joinpath("words.yaml").read_text())
        self.templates = Environment(
            loader=PackageLoader("bot.dashboard", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        self.css = files("bot.dashboard").joinpath("static/dashboard.css").read_bytes()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/dashboard", self.home)
        app.router.add_get("/dashboard/static/dashboard.css", self.stylesheet)
        app.router.add_get("/dashboard/signin/{token}", self.sign_in)
        app.router.add_post("/dashboard/signout", self.sign_out)
        app.router.add_post("/dashboard/{tail:.*}", self.no_csrf)
        app.router.add_get("/dashboard/tickets/{ticket}", self.ticket)
        app.router.add_get("/dashboard/unanswered/draft/{theme}", self.draft)
        app.router.add_get("/dashboard/{page}", self.page)

    @web.middleware
    async def headers(self, request: web.Request, handler):
        response = await handler(request)
        if request.path.startswith("/dashboard"):
            response.headers.update(HEADERS)
        return response

    # --- signing in and out -----------------------------------------------------------------
    def _access(self) -> Access:
        engine = self.engine()
        return Access(engine.knowledge, engine.desk.sessions, engine.desk.clock)

    async def sign_in(self, request: web.Request) -> web.Response:
        session_id = await self.run(self._access().sign_in, request.match_info["token"])
        if session_id is None:
            return self._message(request, None, "link_refused", 403)
        response = web.Response(status=303, headers={"Location": "/dashboard"})
        response.set_cookie(
            COOKIE,
            session_id,
            max_age=8 * 3600,
            path="/dashboard",
            httponly=True,
            samesite="Lax",
            secure=request.secure or request.headers.get("X-Forwarded-Proto") == "https",
        )
        return response

    async def sign_out(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request)
        form = await request.post()
        if viewer is None or not hmac.compare_digest(str(form.get("csrf", "")), viewer.csrf):
            return web.Response(status=403, text="forbidden: missing or wrong CSRF token")
        await self.run(self._access().sign_out, request.cookies[COOKIE])
        response = self._message(request, viewer, "signed_out", 200)
        response.del_cookie(COOKIE, path="/dashboard")
        return response

    async def no_csrf(self, request: web.Request) -> web.Response:
        """Every other POST: the dashboard changes nothing by POST but signing out."""
        return web.Response(status=403, text="forbidden: missing or wrong CSRF token")

    async def _viewer(self, request: web.Request) -> Viewer | None:
        return await self.run(self._access().who, request.cookies.get(COOKIE))

    # --- pages ------------------------------------------------------------------------------
    async def home(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request)
        if viewer is None:
            return self._message(request, None, "link_refused", 401)
        raise web.HTTPSeeOther(f"/dashboard/{viewer.pages[0]}")

    async def stylesheet(self, request: web.Request) -> web.Response:
        return web.Response(body=self.css, content_type="text/css")

    async def page(self, request: web.Request) -> web.Response:
        name = request.match_info["page"]
        viewer = await self._viewer(request)
        if viewer is None:
            return self._message(request, None, "link_refused", 401)
        if name not in viewer.pages:
            return self._message(request, viewer, "no_access", 403)
        period = _period(request)
        figures = Figures(self.engine())
        context: dict = {}
        if name == "overview":
            data = await self.run(figures.overview, viewer, period)
            rows = data["per_day"]
            chart = bar_chart([(r["day"], r["questions"]) for r in rows])
            context = {"data": data, "chart": chart}
            template = "overview.html"
        else:
            template = "rows.html"
            context = {"links": {}, "filters": []}
            kept = urlencode({"since": period.since.date(), "until": _last_day(period)})
            if name == "unanswered":
                rows = await self.run(figures.unanswered, viewer, period)
                for n, row in enumerate(rows):
                    row["draft"] = f"{n}.yaml"
                context["links"] = {"draft": f"/dashboard/unanswered/draft/{{}}?{kept}"}
            elif name == "unhelpful":
                rows = await self.run(figures.unhelpful, viewer, period)
            elif name == "knowledge":
                rows = await self.run(figures.knowledge, viewer, period, dt.date.today())
            elif name == "tickets":
                function, state = request.query.get("function", ""), request.query.get("state", "")
                rows = await self.run(figures.tickets, viewer, period, function, state)
                functions = (
                    viewer.functions if not viewer.admin else _functions(self.engine(), viewer)
                )
                context["filters"] = [("function", functions, function), ("state", STATES, state)]
                context["links"] = {"ticket": f"/dashboard/tickets/{{}}?{kept}"}
            else:  # goals: the register's year (?year=, else the year of most meetings)
                year = _year(request, self.engine(), viewer)
                rows = await self.run(figures.goals, viewer, year)
                context["filters"] = [("year", _years(year), str(year))]
        if request.query.get("format") == "csv":
            return web.Response(
                text=rows_to_csv(rows),
                content_type="text/csv",
                charset="utf-8",
                headers={"Content-Disposition": f'attachment; filename="kombot-{name}.csv"'},
            )
        context["rows"] = rows
        return self._render(request, viewer, name, template, context, period, csv=True)

    async def ticket(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request)
        if viewer is None:
            return self._message(request, None, "link_refused", 401)
        if "tickets" not in viewer.pages:
            return self._message(request, viewer, "no_access", 403)
        found = await self.run(Figures(self.engine()).ticket, viewer, request.match_info["ticket"])
        if found is None:  # not theirs, or not there: the same answer, so nothing leaks
            return self._message(request, viewer, "no_access", 403)
        ticket, trail = found
        context = {"ticket": ticket, "trail": trail}
        return self._render(request, viewer, "tickets", "ticket.html", context, _period(request))

    async def draft(self, request: web.Request) -> web.Response:
        """An unanswered theme as a knowledge entry skeleton, for an editor to finish."""
        viewer = await self._viewer(request)
        if viewer is None or "unanswered" not in viewer.pages:
            return web.Response(status=403, text="forbidden")
        themes = await self.run(Figures(self.engine()).unanswered, viewer, _period(request))
        number = request.match_info["theme"].removesuffix(".yaml")
        if not number.isdigit() or int(number) >= len(themes):
            raise web.HTTPNotFound()
        theme = themes[int(number)]
        questions = [theme["example"], *[q for q in theme["others"].split(" | ") if q]]
        skeleton = {
            "id": "new.entry_id",
            "title": {theme["language"]: ""},
            "answer": {theme["language"]: ""},
            "examples": {theme["language"]: questions},
            "owner": viewer.email,
            "review_by": (dt.date.today() + dt.timedelta(days=365)).isoformat(),
        }
        text = "# A draft from unanswered questions: write the title and the answer, then\n"
        text += "# check it with `kombot kb check`.\n" + yaml.safe_dump(
            skeleton, allow_unicode=True, sort_keys=False
        )
        return web.Response(
            text=text,
            content_type="text/yaml",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="draft-{number}.yaml"'},
        )

    # --- rendering --------------------------------------------------------------------------
    def _language(self, request: web.Request, viewer: Viewer | None) -> str:
        asked = request.query.get("lang", "")
        if asked in LANGS:
            return asked
        return (
            viewer.language
            if viewer
            else self.engine().knowledge.org(self.settings.org).org.language
        )

    def _render(self, request, viewer, page, template, context, period, csv=False, status=200):
        lang = self._language(request, viewer)
        query = {"lang": lang, "since": period.since.date().isoformat(), "until": _last_day(period)}
        csv_query = dict(request.query) | query | {"format": "csv"}
        html = self.templates.get_template(template).render(
            w={key: texts[lang] for key, texts in self.words.items()},
            lang=lang,
            page=page,
            viewer=viewer,
            org_name=self.engine()
            .knowledge.org(viewer.org if viewer else self.settings.org)
            .org.name,
            languages=LANGUAGE_NAMES,
            since=query["since"],
            until=query["until"],
            query=urlencode(query),
            period_form=viewer is not None and page in viewer.pages,
            csv_link=f"?{urlencode(csv_query)}" if csv else "",
            **context,
        )
        return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)

    def _message(self, request, viewer, key: str, status: int) -> web.Response:
        lang = self._language(request, viewer)
        words = self.words[key][lang]
        return self._render(
            request,
            viewer,
            key,
            "message.html",
            {"message": words},
            _period(request),
            status=status,
        )


def _period(request: web.Request) -> Period:
    """The inclusive days `since`..`until` (default: the last 90 days); bad dates: 400."""
    today = dt.date.today()
    try:
        until = dt.date.fromisoformat(request.query.get("until") or today.isoformat())
        since = dt.date.fromisoformat(
            request.query.get("since") or (until - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        )
    except ValueError:
        raise web.HTTPBadRequest(text="since and until are dates: YYYY-MM-DD") from None
    if since > until:
        since, until = until, since
    start = dt.datetime.combine(since, dt.time(), dt.UTC)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
    return Period(start, end)


def _last_day(period: Period) -> str:
    return (period.until - dt.timedelta(days=1)).date().isoformat()


def _year(request: web.Request, engine: Engine, viewer: Viewer) -> int:
    asked = request.query.get("year", "")
    if asked.isdigit():
        return int(asked)
    leaders = engine.knowledge.org(viewer.org).directory.leaders
    years = Counter(leader.dialogue_meeting.year for leader in leaders)
    return years.most_common(1)[0][0] if years else dt.date.today().year


def _years(year: int) -> tuple[str, ...]:
    return tuple(str(y) for y in range(year - 2, year + 2))


def _functions(engine: Engine, viewer: Viewer) -> tuple[str, ...]:
    return tuple(f.id for f in engine.knowledge.org(viewer.org).directory.functions)
