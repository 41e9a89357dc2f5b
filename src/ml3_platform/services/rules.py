"""Detection event rules: what a task does when one of its events happens.

A rule names the events it answers (type, monitoring target, optionally the
metric, the model and a least severity) and the actions to run for each, in
order (platform-behaviour §6). Matching and delivery live in
:mod:`ml3_platform.actions`; this module keeps the rules themselves valid:

- a rule's ``model_name``, when given, names a model of the rule's task: a
  rule for a model the task does not have would never match an event;
- a retrain action needs the rule's ``model_name``, a rule holds at most one,
  and it names the rule's model (protocol §2.10, the client's own check);
- a webhook must be an http(s) URL that the address policy allows
  (``actions.addresses``); an e-mail address must be one address.

The same checks run on update, on the rule as it will be stored.
"""

from collections.abc import Sequence

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.actions.addresses import UnsafeWebhook, check_webhook
from ml3_platform.db.tables import DetectionEventRule, Model, User
from ml3_platform.services.access import Need, task_for
from ml3_platform.services.errors import DomainError, not_found
from ml3_platform.settings import Settings
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import CreateDetectionEventRule, UpdateDetectionEventRule
from ml3_platform_sdk.models import (
    DetectionEventAction,
    EmailNotificationAction,
    RetrainAction,
)

RULE = "detection event rule"
_ACTION = TypeAdapter(DetectionEventAction)


def rule_for(
    session: Session, user: User, rule_id: str, need: Need = Need.VIEW
) -> DetectionEventRule:
    """A rule the caller may use; another company's reads as unknown."""
    rule = session.get(DetectionEventRule, rule_id)
    if rule is None:
        raise not_found(RULE, rule_id)
    try:
        task_for(session, user, rule.task_id, need)
    except DomainError as error:
        if error.code == "TASK_NOT_FOUND":
            raise not_found(RULE, rule_id) from None
        raise
    return rule


def to_wire(rule: DetectionEventRule) -> models.DetectionEventRule:
    return models.DetectionEventRule(
        rule_id=rule.id,
        name=rule.name,
        task_id=rule.task_id,
        model_name=rule.model_name,
        severity=rule.severity,
        detection_event_type=rule.event_type,
        monitoring_target=rule.target,
        monitoring_metric=rule.metric,
        actions=rule.actions,
    )


def list_rules(
    session: Session, user: User, task_id: str
) -> list[models.DetectionEventRule]:
    task = task_for(session, user, task_id)
    rules = session.scalars(
        select(DetectionEventRule)
        .where(DetectionEventRule.task_id == task.id)
        .order_by(DetectionEventRule.created_at, DetectionEventRule.id)
    )
    return [to_wire(rule) for rule in rules]


def get_rule(session: Session, user: User, rule_id: str) -> models.DetectionEventRule:
    return to_wire(rule_for(session, user, rule_id))


def create_rule(
    session: Session, user: User, settings: Settings, body: CreateDetectionEventRule
) -> str:
    task = task_for(session, user, body.task_id, Need.EDIT)
    _check_name(body.name)
    actions = checked_actions(session, settings, task.id, body.model_name, body.actions)
    rule = DetectionEventRule(
        task_id=task.id,
        name=body.name,
        model_name=body.model_name,
        severity=body.severity.value,
        event_type=body.detection_event_type.value,
        target=body.monitoring_target.value,
        metric=body.monitoring_metric.value if body.monitoring_metric else None,
        actions=actions,
    )
    session.add(rule)
    session.commit()
    return rule.id


def update_rule(
    session: Session, user: User, settings: Settings, body: UpdateDetectionEventRule
) -> None:
    """Change what the body gives; ``null`` keeps the stored value."""
    rule = rule_for(session, user, body.rule_id, Need.EDIT)
    model_name = body.model_name if body.model_name is not None else rule.model_name
    if body.actions is not None:
        actions = body.actions
    else:
        actions = [_parse_action(stored) for stored in rule.actions]
    stored = checked_actions(session, settings, rule.task_id, model_name, actions)

    if body.name is not None:
        _check_name(body.name)
        rule.name = body.name
    rule.model_name = model_name
    rule.actions = stored
    if body.severity is not None:
        rule.severity = body.severity.value
    if body.detection_event_type is not None:
        rule.event_type = body.detection_event_type.value
    if body.monitoring_target is not None:
        rule.target = body.monitoring_target.value
    session.commit()


def delete_rule(session: Session, user: User, rule_id: str) -> None:
    """Remove a rule; deliveries it already queued still run (they hold a
    copy of their action)."""
    session.delete(rule_for(session, user, rule_id, Need.EDIT))
    session.commit()


# --- Validation ---------------------------------------------------------------


def checked_actions(
    session: Session,
    settings: Settings,
    task_id: str,
    model_name: str | None,
    actions: Sequence[DetectionEventAction],
) -> list[dict]:
    """The actions in wire form, each checked; the retrain action bound to
    the rule's model as the client binds it."""
    _check_retrain(model_name, actions)
    _check_model(session, task_id, model_name)
    stored = []
    for action in actions:
        if isinstance(action, RetrainAction):
            action = action.model_copy(update={"model_name": model_name})
        elif isinstance(action, EmailNotificationAction):
            _check_address(action.address)
        else:
            _check_webhook(action.webhook, settings)
        stored.append(action.model_dump(mode="json"))
    return stored


def _check_model(session: Session, task_id: str, model_name: str | None) -> None:
    if model_name is None:
        return
    found = session.scalar(
        select(Model.id).where(Model.task_id == task_id, Model.name == model_name)
    )
    if found is None:
        raise DomainError(
            "MODEL_NOT_FOUND",
            f"task {task_id} has no model named {model_name!r}; a rule's "
            "model_name must name one of the task's models",
        )


def _check_retrain(
    model_name: str | None, actions: Sequence[DetectionEventAction]
) -> None:
    retrains = [action for action in actions if isinstance(action, RetrainAction)]
    if not retrains:
        return
    if len(retrains) > 1:
        raise DomainError(
            "INVALID_ACTION_LIST", "a rule can hold at most one retrain action"
        )
    if model_name is None:
        raise DomainError(
            "INVALID_ACTION_LIST", "a retrain action needs the rule's model_name"
        )
    named = retrains[0].model_name
    if named is not None and named != model_name:
        raise DomainError(
            "INVALID_ACTION_LIST",
            f"the retrain action names model {named!r}, the rule {model_name!r}",
        )


def _check_webhook(url: str, settings: Settings) -> None:
    try:
        check_webhook(url, settings.webhook_allow_private, resolve_required=False)
    except UnsafeWebhook as refusal:
        raise DomainError("WEBHOOK_NOT_ALLOWED", str(refusal)) from None


def _check_address(address: str) -> None:
    local, _, domain = address.partition("@")
    # One address, and nothing that could start another header or recipient.
    unsafe = any(c in address for c in " ,;<>\r\n\t") or "@" in domain
    if not local or not domain or unsafe:
        raise DomainError(
            "INVALID_EMAIL_ADDRESS",
            f"{address!r} is not one e-mail address (name@domain)",
        )


def _check_name(name: str) -> None:
    if not name.strip():
        raise DomainError("INVALID_RULE_NAME", "a rule needs a non-empty name")


def _parse_action(stored: dict) -> DetectionEventAction:
    return _ACTION.validate_python(stored)
