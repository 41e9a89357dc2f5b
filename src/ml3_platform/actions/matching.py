"""From a detection event to the deliveries its task's rules ask for.

The monitoring pipeline calls :func:`queue_deliveries` for every event it
writes, in the job's transaction, so an event is stored with its deliveries
or not at all, and a job that runs again after a crash starts from a
rolled-back state: no event is queued twice. Delivering happens later, in
:mod:`ml3_platform.actions.worker`, outside the monitoring job.

A rule matches an event (platform-behaviour §6; decisions "Events") when

- the event type and the monitoring target are equal;
- the rule's metric, when set, equals the event's (a rule without a metric
  also answers the per-feature events of its target);
- the rule's model name, when set, equals the event's model name, for events
  of a model (prediction, error). Task events (input, concept) belong to no
  model, so a rule that names a model only to retrain it still answers them
  **(ours)**;
- the event's severity is at least the rule's. Only ``drift_on`` events carry
  a severity; for the others the rule's severity is ignored.
"""

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Delivery, DetectionEvent, DetectionEventRule, new_id

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


def queue_deliveries(session: Session, event: DetectionEvent) -> list[Delivery]:
    """Add one ``Delivery`` per action of every rule that matches ``event``.

    ``event`` may be pending (not flushed yet): it gets its id here. The
    caller's commit stores the deliveries with the event.
    """
    # The pipeline's other pending rows (monitor states, scores) are left to
    # its own flush: the tables have no ORM relationships, so flushing them
    # here would insert them in no guaranteed order.
    with session.no_autoflush:
        rules = session.scalars(
            select(DetectionEventRule)
            .where(DetectionEventRule.task_id == event.task_id)
            .order_by(DetectionEventRule.created_at, DetectionEventRule.id)
        ).all()
    matching = [rule for rule in rules if matches(rule, event)]
    if not matching:
        return []

    if event.id is None:
        event.id = new_id()
    # The event must be stored before its deliveries (their foreign key),
    # and a flush orders only related mappers. Every other pending row
    # refers to rows already stored (the pipeline stores new monitor states
    # at once), so this flush inserts in a valid order.
    session.flush()
    queued = [
        Delivery(
            event_id=event.id,
            rule_id=rule.id,
            action_index=index,
            action=dict(action),
            idempotency_key=idempotency_key(event.id, rule.id, index),
        )
        for rule in matching
        for index, action in enumerate(rule.actions)
    ]
    session.add_all(queued)
    return queued


def matches(rule: DetectionEventRule, event: DetectionEvent) -> bool:
    if (rule.event_type, rule.target) != (event.event_type, event.target):
        return False
    if rule.metric is not None and rule.metric != event.metric:
        return False
    named = rule.model_name is not None and event.model_name is not None
    if named and rule.model_name != event.model_name:
        return False
    if event.severity is None:
        return True
    return SEVERITY_RANK[event.severity] >= SEVERITY_RANK[rule.severity]


def idempotency_key(event_id: str, rule_id: str, action_index: int) -> str:
    """The same for every attempt of one delivery, different across them.

    128 bits of a hash keep it short enough for one e-mail header line
    (RFC 5322 §2.1.1), so mail systems see it unfolded.
    """
    digest = hashlib.sha256(f"{event_id}/{rule_id}/{action_index}".encode())
    return f"ml3-{digest.hexdigest()[:32]}"
