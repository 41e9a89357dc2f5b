"""The delivery worker: runs the outbox of rule actions, outside monitoring.

Monitoring jobs only write ``Delivery`` rows (``actions.matching``); this
worker sends them, so a slow or failing receiver never holds up or fails a
monitoring job. It runs in the API process beside the job executor, and any
other process can run one too (:meth:`DeliveryWorker.run_forever`): workers
claim a delivery by setting its ``claimed_until`` in one conditional UPDATE,
so no two send it at once, and a worker that dies mid-send leaves a claim
that simply runs out, after which another worker tries again.

Each attempt is recorded (``DeliveryAttempt``) with what the receiver said.
A failed attempt is retried after ``delivery_retry_base`` seconds, doubled on
each retry, until ``delivery_max_attempts``; then, or at once for a failure
that retrying cannot mend, the delivery is ``failed``. Delivery is at least
once: a worker that dies after sending and before recording sends again, with
the same idempotency key, so a receiver can drop the repeat.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ml3_platform.actions.messages import Alert
from ml3_platform.actions.senders import SEND_TIMEOUT, SendFailed, send
from ml3_platform.db.tables import (
    Delivery,
    DeliveryAttempt,
    DetectionEvent,
    Model,
    Task,
)
from ml3_platform.services import retrain_triggers
from ml3_platform.settings import Settings

logger = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
RETRAIN = "retrain"
# How long a claim holds: beyond the longest send, so that only a worker
# that died lets its claim run out.
CLAIM = timedelta(seconds=6 * SEND_TIMEOUT)
_NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class _Claimed:
    """What a worker needs, read once, so no transaction stays open while
    it talks to a receiver."""

    delivery_id: str
    claimed_until: datetime
    attempts: int
    action: dict
    alert: Alert
    event_id: str
    task_id: str


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    text: str
    permanent: bool = False


class DeliveryWorker:
    """Sends due deliveries with one thread until :meth:`stop`."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self.run_forever, name="ml3-delivery-worker", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float | None = 30) -> None:
        """Let the delivery in hand finish, then stop."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_forever(self) -> None:
        """Deliver until stopped; what a separate worker process runs."""
        while not self._stopping.is_set():
            try:
                busy = self.run_once()
            except Exception:
                # The database may be briefly unavailable; try again later.
                logger.exception("could not run a delivery")
                busy = False
            if not busy:
                self._stopping.wait(self._settings.delivery_poll_interval)

    def run_once(self) -> bool:
        """Claim one due delivery and attempt it; False when none is due."""
        claimed = self._claim()
        if claimed is None:
            return False
        started = datetime.now(UTC)
        outcome = self._attempt(claimed)
        self._record(claimed, started, outcome)
        return True

    # --- steps ------------------------------------------------------------

    def _claim(self) -> _Claimed | None:
        now = datetime.now(UTC)
        until = now + CLAIM
        free = or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now)
        due = (Delivery.status == PENDING, Delivery.next_attempt_at <= now, free)
        with self._sessions() as session:
            # Look before taking: an idle poll then writes nothing, and takes
            # no write lock (SQLite has one for the whole database).
            next_id = session.scalar(
                select(Delivery.id)
                .where(*due)
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(1)
            )
            if next_id is None:
                session.rollback()
                return None
            # Conditional, so of two workers that saw it, one takes it.
            delivery_id = session.scalar(
                update(Delivery)
                .where(Delivery.id == next_id, *due)
                .values(claimed_until=until)
                .returning(Delivery.id),
                execution_options=_NO_SYNC,
            )
            session.commit()
            if delivery_id is None:
                return None
            return self._read(session, delivery_id, until)

    def _read(self, session: Session, delivery_id: str, until: datetime) -> _Claimed:
        delivery = session.get(Delivery, delivery_id)
        event = session.get(DetectionEvent, delivery.event_id)
        task = session.get(Task, event.task_id)
        alert = Alert.of(
            event, task, self._settings.public_url, delivery.idempotency_key
        )
        return _Claimed(
            delivery_id=delivery.id,
            claimed_until=until,
            attempts=delivery.attempts,
            action=dict(delivery.action),
            alert=alert,
            event_id=event.id,
            task_id=task.id,
        )

    def _attempt(self, claimed: _Claimed) -> _Outcome:
        if claimed.action["type"] == RETRAIN:
            # Submitted in the transaction that records the attempt (_record).
            return _Outcome(True, "retrain job submitted")
        try:
            return _Outcome(True, send(claimed.action, claimed.alert, self._settings))
        except SendFailed as failure:
            return _Outcome(False, failure.message, failure.permanent)
        except Exception as error:
            logger.exception("delivery %s failed unexpectedly", claimed.delivery_id)
            return _Outcome(False, f"internal error: {type(error).__name__}")

    def _record(self, claimed: _Claimed, started: datetime, outcome: _Outcome) -> None:
        """Store the attempt and the delivery's new state, if still ours."""
        with self._sessions() as session:
            if outcome.ok and claimed.action["type"] == RETRAIN:
                outcome = self._submit_retrain(session, claimed)
            number = claimed.attempts + 1
            now = datetime.now(UTC)
            changes = self._next_state(number, now, outcome)
            # The claim is the fence: a worker whose claim ran out and was
            # taken over records nothing (its attempt may still have sent).
            changed = session.execute(
                update(Delivery)
                .where(
                    Delivery.id == claimed.delivery_id,
                    Delivery.status == PENDING,
                    Delivery.claimed_until == claimed.claimed_until,
                )
                .values(attempts=number, claimed_until=None, **changes),
                execution_options=_NO_SYNC,
            )
            if changed.rowcount != 1:
                session.rollback()
                logger.warning("delivery %s was taken over", claimed.delivery_id)
                return
            session.add(
                DeliveryAttempt(
                    delivery_id=claimed.delivery_id,
                    number=number,
                    started_at=started,
                    finished_at=now,
                    ok=outcome.ok,
                    outcome=outcome.text,
                )
            )
            session.commit()
        logger.info(
            "delivery %s attempt %s: %s", claimed.delivery_id, number, outcome.text
        )

    def _next_state(self, number: int, now: datetime, outcome: _Outcome) -> dict:
        if outcome.ok:
            return {"status": DELIVERED, "delivered_at": now, "last_error": None}
        if outcome.permanent or number >= self._settings.delivery_max_attempts:
            return {"status": FAILED, "last_error": outcome.text}
        delay = self._settings.delivery_retry_base * 2 ** (number - 1)
        return {
            "next_attempt_at": now + timedelta(seconds=delay),
            "last_error": outcome.text,
        }

    def _submit_retrain(self, session: Session, claimed: _Claimed) -> _Outcome:
        """Queue the retrain job of the action's model, in ``session``.

        It commits only with the attempt that marks the delivery done, so a
        delivery submits its job once.
        """
        name = claimed.action.get("model_name")
        model = session.scalar(
            select(Model).where(Model.task_id == claimed.task_id, Model.name == name)
        )
        if model is None:
            return _Outcome(
                False, f"model {name!r} is no longer in the task", permanent=True
            )
        # The same job as retrain_model's, in the model's own retrain queue,
        # so it does not wait behind the task's monitoring jobs.
        job = retrain_triggers.submit_retrain(session, model, claimed.event_id)
        return _Outcome(True, f"retrain job {job.id} submitted")
