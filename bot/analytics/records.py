"""Writes what happened in a conversation, so the department can see what is asked.

One transaction per message: the answer record and the two transcript lines. A question
that held a personal number is recorded without its text; texts are dropped after the
retention period while the counts stay.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, update

from bot.clock import Clock
from bot.replies import Reply
from bot.storage.db import Sessions
from bot.storage.inbox import forget_handled
from bot.storage.models import AnswerRecord, Draft, FeedbackRecord, Turn

TEXT_CHARS = 2000
# Core statements built once: on every answer, the ORM's unit of work and building a
# statement each time cost more than the answering.
_ANSWER = insert(AnswerRecord.__table__)
_TURNS = insert(Turn.__table__)


class Records:
    def __init__(self, sessions: Sessions, clock: Clock, knowledge_version: str):
        self.sessions = sessions
        self.clock = clock
        self.version = knowledge_version

    def exchange(
        self,
        *,
        message_id: str,
        org: str,
        channel: str,
        user: str,
        question: str,
        reply: Reply,
        keep_text: bool,
    ) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            session.execute(
                _ANSWER,
                {
                    "message_id": message_id,
                    "at": now,
                    "org": org,
                    "channel": channel,
                    "user": user,
                    "kind": reply.kind,
                    "entry": reply.entry,
                    "intent": reply.intent,
                    "confidence": round(reply.confidence, 3),
                    "language": reply.language,
                    "knowledge_version": self.version,
                    "question": question[:TEXT_CHARS] if keep_text else None,
                },
            )
            line = {"org": org, "user": user, "at": now}
            session.execute(
                _TURNS,
                [
                    {**line, "who": who, "text": text[:TEXT_CHARS]}
                    for who, text in (("user", question), ("bot", reply.text))
                ],
            )

    def feedback(
        self,
        *,
        org: str,
        user: str,
        verdict: str,
        language: str,
        entry: str | None = None,
        message_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        with self.sessions.begin() as session:
            if message_id and session.scalar(
                select(FeedbackRecord.id).where(
                    FeedbackRecord.org == org,
                    FeedbackRecord.user == user,
                    FeedbackRecord.message_id == message_id,
                    FeedbackRecord.verdict == verdict,
                )
            ):
                return  # pressed twice, or pressed and then typed: one verdict
            session.add(
                FeedbackRecord(
                    at=self.clock.now(),
                    org=org,
                    user=user,
                    message_id=message_id or None,
                    entry=entry or None,
                    verdict=verdict,
                    reason=reason,
                    language=language,
                    knowledge_version=self.version,
                )
            )

    def question(self, *, org: str, user: str, message_id: str) -> str | None:
        """The text of this person's question `message_id`, if it was kept."""
        with self.sessions() as session:
            return session.scalar(
                select(AnswerRecord.question).where(
                    AnswerRecord.org == org,
                    AnswerRecord.user == user,
                    AnswerRecord.message_id == message_id,
                )
            )

    def last_answer(self, *, org: str, user: str, within: dt.timedelta) -> AnswerRecord | None:
        """The person's latest exchange when it was an answer from the knowledge and came
        `within` this long ago: what a typed "thanks" or "that was wrong" is about."""
        with self.sessions() as session:
            last = session.scalars(
                select(AnswerRecord)
                .where(
                    AnswerRecord.org == org,
                    AnswerRecord.user == user,
                    AnswerRecord.at >= self.clock.now() - within,
                )
                .order_by(AnswerRecord.at.desc(), AnswerRecord.id.desc())
                .limit(1)
            ).first()
        return last if last is not None and last.kind == "answer" and last.entry else None

    def set_reason(self, *, org: str, user: str, message_id: str, reason: str) -> None:
        """The reason given after *Not helpful*, on the feedback it belongs to."""
        with self.sessions.begin() as session:
            session.execute(
                update(FeedbackRecord)
                .where(
                    FeedbackRecord.org == org,
                    FeedbackRecord.user == user,
                    FeedbackRecord.message_id == message_id,
                    FeedbackRecord.verdict == "not_helpful",
                )
                .values(reason=reason)
            )

    def apply_retention(self, days: int) -> dict[str, int]:
        """Forget question texts, transcripts and unsent drafts older than `days` (the
        counts stay), and the keys of messages answered before the window in which channels
        retry (a dead letter is kept until an operator retries or removes it)."""
        now = self.clock.now()
        cutoff = now - dt.timedelta(days=days)
        with self.sessions.begin() as session:
            texts = session.execute(
                update(AnswerRecord)
                .where(AnswerRecord.at < cutoff, AnswerRecord.question.is_not(None))
                .values(question=None)
            ).rowcount
            turns = session.execute(delete(Turn).where(Turn.at < cutoff)).rowcount
            drafts = session.execute(delete(Draft).where(Draft.created_at < cutoff)).rowcount
            inbound = forget_handled(session, now)
        return {
            "question_texts": texts,
            "transcript_lines": turns,
            "drafts": drafts,
            "message_ids": inbound,
        }
