"""The ``retrain`` job: fire a model's retrain trigger, once.

Payload ``{"model_id", "event_id"?}`` (``event_id`` when a rule's retrain
action submitted it). The sent marker (``RetrainMessage``) is written in the
job's own transaction, and is keyed by the event when there is one, so a
job run again after its commit, or a second job for the same event, sends
nothing. A crash between the send and the commit sends again on recovery:
the message's ``idempotency_key`` is the same both times, so the receiver
can drop the repeat.
"""

import logging

from sqlalchemy import select

from ml3_platform import jobs
from ml3_platform.db.tables import Model, RetrainMessage
from ml3_platform.services import retrain_triggers
from ml3_platform.services.errors import DomainError

logger = logging.getLogger(__name__)


@jobs.handler(retrain_triggers.RETRAIN_JOB_GROUP)
def fire_trigger(ctx: jobs.JobContext) -> None:
    model_id = ctx.job.payload["model_id"]
    event_id = ctx.job.payload.get("event_id")
    key = idempotency_key(ctx.job.id, model_id, event_id)
    if ctx.session.scalar(
        select(RetrainMessage.id).where(RetrainMessage.idempotency_key == key)
    ):
        logger.info("retrain request %s was already sent", key)
        return

    model = ctx.session.get(Model, model_id)
    if model is None:
        raise jobs.JobFailed(f"model {model_id} no longer exists")
    try:
        trigger, message_id = retrain_triggers.fire(
            ctx.session, ctx.settings, model, key, event_id
        )
    except DomainError as error:
        raise jobs.JobFailed(f"{error.code}: {error.message}") from None

    ctx.session.add(
        RetrainMessage(
            idempotency_key=key,
            job_id=ctx.job.id,
            model_id=model.id,
            event_id=event_id,
            trigger_type=str(trigger.type),
            provider_message_id=message_id,
        )
    )


def idempotency_key(job_id: str, model_id: str, event_id: str | None) -> str:
    """One key per event and model; one per job when a user asked."""
    if event_id:
        return f"event:{event_id}:model:{model_id}"
    return f"job:{job_id}"
