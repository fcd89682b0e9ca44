"""Knowledge reloads without a restart; a broken edit keeps the last good knowledge serving."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from sqlalchemy import select

import bot.runtime.reload
from bot.app import build_engine
from bot.config import Settings
from bot.knowledge.loader import load_knowledge
from bot.replies import Incoming
from bot.storage.models import OutboxMessage
from bot.web import Server

ROOT = Path(__file__).resolve().parent.parent
RM = "region-midtjylland"


def server_on_a_copy(tmp_path) -> tuple[Server, Path]:
    knowledge_dir = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge_dir)
    settings = Settings(
        knowledge_dir=knowledge_dir,
        intents_dir=ROOT / "intents",
        database_url=f"sqlite:///{tmp_path / 'kombot.db'}",
        teams_allow_no_auth=True,
    )
    knowledge = load_knowledge(knowledge_dir, ROOT / "intents")
    return Server(settings, build_engine(knowledge, settings)), knowledge_dir


def say(server: Server, user: str, text: str):
    return server.engine.handle(Incoming(text=text, org=RM, user=user))


def test_admin_reloads_from_chat_and_a_broken_edit_keeps_serving(tmp_path):
    server, knowledge_dir = server_on_a_copy(tmp_path)
    admin = server.engine.knowledge.org(RM).directory.admins()[0]
    before = server.engine.knowledge.version
    entries = knowledge_dir / "orgs" / RM / "entries.yaml"
    entries.write_text(entries.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    [reply] = say(server, admin, "reload knowledge")
    assert reply.text.startswith("Knowledge reloaded: version ")
    assert server.engine.knowledge.version != before
    good = server.engine.knowledge.version
    entries.write_text(
        "entries:\n  - id: press.journalist_called\n    titel: x\n", encoding="utf-8"
    )
    [refused] = say(server, admin, "genindlæs viden")
    assert "Genindlæsningen blev afvist" in refused.text
    assert "entries.yaml:3: unknown field 'titel'" in refused.text
    assert server.engine.knowledge.version == good  # still serving the last good one
    answer = next(
        r
        for r in say(server, "nurse@rm.example.org", "en journalist ringede lige, hvad gør jeg")
        if r.entry
    )
    assert answer.entry == "press.journalist_called"


def test_reload_is_not_for_everyone(tmp_path):
    server, _ = server_on_a_copy(tmp_path)
    before = server.engine.knowledge.version
    replies = say(server, "nurse@rm.example.org", "reload knowledge")
    assert not any(r.text.startswith("Knowledge reloaded") for r in replies)
    assert server.engine.knowledge.version == before


def test_a_reload_trains_before_the_swap_while_the_last_good_knowledge_answers(
    tmp_path, monkeypatch
):
    server, knowledge_dir = server_on_a_copy(tmp_path)
    before = server.engine.knowledge.version
    entries = knowledge_dir / "orgs" / RM / "entries.yaml"
    entries.write_text(entries.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    training, release = threading.Event(), threading.Event()
    real_warm = bot.runtime.reload.warm_served

    def slow_warm(engine, settings):
        real_warm(engine, settings)  # the new version's model is trained here...
        training.set()
        release.wait()  # ...and the swap waits until the test has looked

    monkeypatch.setattr(bot.runtime.reload, "warm_served", slow_warm)
    reload = threading.Thread(target=server.reload)
    reload.start()
    training.wait()
    assert server.engine.knowledge.version == before  # the last good version still answers
    assert say(server, "nurse@rm.example.org", "hvad er lix")[-1].entry == "language.lix"
    release.set()
    reload.join()
    assert server.engine.knowledge.version != before


def test_a_reload_without_a_served_org_is_refused_and_admins_are_told_once(tmp_path):
    server, knowledge_dir = server_on_a_copy(tmp_path)
    before = server.engine.knowledge.version
    shutil.rmtree(knowledge_dir / "orgs" / RM)
    assert not server.reload()
    assert not server.reload()  # SIGHUP again: the same problem, nothing new to say
    assert server.engine.knowledge.version == before  # the last good version still serves
    assert RM in server.reloader.last_error
    assert say(server, "nurse@rm.example.org", "hvad er lix")[-1].entry == "language.lix"
    with server.engine.desk.sessions() as session:
        told = list(
            session.scalars(
                select(OutboxMessage.recipient).where(OutboxMessage.key.like("reload-failed:%"))
            )
        )
    assert sorted(told) == sorted(server.engine.knowledge.org(RM).directory.admins())
