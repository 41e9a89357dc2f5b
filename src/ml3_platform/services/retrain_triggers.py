"""Retrain triggers of models: set, remove, test and fire (protocol §2.14).

One trigger per model, stored in ``Model.retrain_trigger`` in wire form.
Setting one checks that its credentials (named, or the project's default for
the trigger's cloud) exist and fit, so that firing later fails only for
reasons outside the platform. Firing is a ``retrain`` job: its handler
(``pipeline.retrain_triggers``) calls :func:`fire`.
"""

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from ml3_platform import jobs
from ml3_platform.db.tables import Job, Model, ModelVersion, Task, User, new_id
from ml3_platform.integrations.resolver import (
    ResolvedCredentials,
    resolve_credentials,
)
from ml3_platform.services.access import Need, model_for
from ml3_platform.services.errors import DomainError
from ml3_platform.settings import Settings
from ml3_platform.triggers import RetrainRequest, publish
from ml3_platform.triggers.publishers import provider_of
from ml3_platform_sdk.bodies import ModelIdBody, TestRetrainTrigger
from ml3_platform_sdk.models import RetrainTrigger

RETRAIN_JOB_GROUP = "retrain"
_TRIGGER = TypeAdapter(RetrainTrigger)


def set_trigger(
    session: Session,
    user: User,
    settings: Settings,
    model_id: str,
    trigger: RetrainTrigger,
) -> None:
    """Set the model's trigger, replacing any it had."""
    model = model_for(session, user, model_id, Need.EDIT)
    _credentials(session, settings, model, trigger)
    model.retrain_trigger = trigger.model_dump(mode="json")
    session.commit()


def remove_trigger(session: Session, user: User, model_id: str) -> None:
    """Remove the model's trigger; a model without one stays as it is."""
    model = model_for(session, user, model_id, Need.EDIT)
    model.retrain_trigger = None
    session.commit()


def test_trigger(
    session: Session, user: User, settings: Settings, body: TestRetrainTrigger
) -> None:
    """Send a test request now with the given trigger (stored or not).

    The provider's refusal is the answer: a 400 whose code names the
    provider and whose message says what it said.
    """
    model = model_for(session, user, body.model_id, Need.EDIT)
    request = retrain_request(
        session, model, idempotency_key=f"test:{new_id()}", test=True
    )
    trigger = body.retrain_trigger
    publish(settings, trigger, _credentials(session, settings, model, trigger), request)


def request_retrain(session: Session, user: User, body: ModelIdBody) -> str:
    """Queue a ``retrain`` job that fires the model's trigger; its id."""
    model = model_for(session, user, body.model_id, Need.EDIT)
    stored_trigger(model)
    job = submit_retrain(session, model, user_id=user.id)
    session.commit()
    return job.id


def submit_retrain(
    session: Session,
    model: Model,
    event_id: str | None = None,
    user_id: str | None = None,
) -> Job:
    """Add (not commit) a ``retrain`` job for ``model``.

    For other areas too (a rule's retrain action): the job's payload is
    ``{"model_id", "event_id"?}``. Retrain jobs of one model run one at a
    time, apart from the task's data jobs, so a retrain is not held up by
    monitoring.
    """
    task = session.get(Task, model.task_id)
    payload = {"model_id": model.id}
    if event_id is not None:
        payload["event_id"] = event_id
    return jobs.submit(
        session,
        RETRAIN_JOB_GROUP,
        task.project_id,
        task.id,
        model.id,
        payload,
        queue_key=f"retrain:{model.id}",
        user_id=user_id,
    )


def fire(
    session: Session,
    settings: Settings,
    model: Model,
    idempotency_key: str,
    event_id: str | None = None,
) -> tuple[RetrainTrigger, str | None]:
    """Send the retrain request to the model's stored trigger.

    Returns the trigger and the provider's message id; raises
    :class:`DomainError` (no trigger, credentials gone, provider refused).
    """
    trigger = stored_trigger(model)
    credentials = _credentials(session, settings, model, trigger)
    request = retrain_request(
        session, model, idempotency_key=idempotency_key, event_id=event_id
    )
    return trigger, publish(settings, trigger, credentials, request)


def stored_trigger(model: Model) -> RetrainTrigger:
    if not model.retrain_trigger:
        raise DomainError(
            "RETRAIN_TRIGGER_NOT_SET",
            f"model {model.id} has no retrain trigger; set one with "
            "set_retrain_trigger first",
        )
    return _TRIGGER.validate_python(model.retrain_trigger)


def retrain_request(
    session: Session,
    model: Model,
    idempotency_key: str,
    event_id: str | None = None,
    test: bool = False,
) -> RetrainRequest:
    task = session.get(Task, model.task_id)
    version = session.get(ModelVersion, model.current_version_id)
    return RetrainRequest(
        model_id=model.id,
        model_name=model.name,
        model_version=version.version if version else None,
        task_id=task.id,
        project_id=task.project_id,
        idempotency_key=idempotency_key,
        event_id=event_id,
        test=test,
    )


def _credentials(
    session: Session, settings: Settings, model: Model, trigger: RetrainTrigger
) -> ResolvedCredentials:
    task = session.get(Task, model.task_id)
    return resolve_credentials(
        session,
        settings,
        task.project_id,
        provider_of(trigger),
        trigger.credentials_id or None,
    )
