"""Detection event rules (protocol §2.10)."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep
from ml3_platform.services import rules
from ml3_platform_sdk.bodies import CreateDetectionEventRule, UpdateDetectionEventRule
from ml3_platform_sdk.models import DetectionEventRule

router = APIRouter(tags=["detection event rules"])


@router.get("/task/detection-event/rules")
def list_rules(
    session: SessionDep, user: CurrentUser, task_id: str
) -> list[DetectionEventRule]:
    """A task's rules, oldest first."""
    return rules.list_rules(session, user, task_id)


@router.get("/task/detection-event/rule/{rule_id}")
def get_rule(
    session: SessionDep, user: CurrentUser, rule_id: str
) -> DetectionEventRule:
    """One rule with its actions."""
    return rules.get_rule(session, user, rule_id)


@router.post("/task/detection-event/rule")
def create_rule(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    body: JsonBody[CreateDetectionEventRule],
) -> str:
    """Create a rule of a task; its id."""
    return rules.create_rule(session, user, settings, body)


@router.patch("/task/detection-event/rule")
def update_rule(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    body: JsonBody[UpdateDetectionEventRule],
) -> None:
    """Change a rule; absent (null) fields keep their value. Answers null."""
    rules.update_rule(session, user, settings, body)


@router.delete("/task/detection-event/rule/{rule_id}")
def delete_rule(session: SessionDep, user: CurrentUser, rule_id: str) -> None:
    """Delete a rule."""
    rules.delete_rule(session, user, rule_id)
