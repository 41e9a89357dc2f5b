"""Which rules answer which events (platform-behaviour §6)."""

import pytest

from ml3_platform.actions.matching import idempotency_key, matches
from ml3_platform.db.tables import DetectionEvent, DetectionEventRule


def rule(**fields) -> DetectionEventRule:
    values = {
        "event_type": "drift_on",
        "target": "error",
        "metric": None,
        "model_name": None,
        "severity": "low",
        **fields,
    }
    return DetectionEventRule(task_id="t", name="r", actions=[], **values)


def event(**fields) -> DetectionEvent:
    values = {
        "event_type": "drift_on",
        "target": "error",
        "metric": None,
        "model_name": "reg",
        "severity": "medium",
        **fields,
    }
    return DetectionEvent(task_id="t", sample_id="s", sample_ts=0.0, **values)


@pytest.mark.parametrize(
    "least, answered",
    [("low", True), ("medium", True), ("high", False)],
)
def test_a_drift_answers_rules_up_to_its_severity(least, answered):
    assert matches(rule(severity=least), event(severity="medium")) is answered


def test_events_without_severity_ignore_the_rules_severity():
    warning = event(event_type="warning_on", severity=None)
    assert matches(rule(event_type="warning_on", severity="high"), warning)
    ended = event(event_type="drift_off", severity=None)
    assert matches(rule(event_type="drift_off", severity="high"), ended)


def test_type_and_target_must_be_equal():
    assert not matches(rule(event_type="drift_off"), event())
    assert not matches(rule(target="prediction"), event())


def test_a_metric_filters_only_when_the_rule_sets_one():
    feature = event(target="input", metric="feature", model_name=None)
    joint = event(target="input", metric=None, model_name=None)
    assert matches(rule(target="input"), feature)
    assert matches(rule(target="input"), joint)
    assert matches(rule(target="input", metric="feature"), feature)
    assert not matches(rule(target="input", metric="feature"), joint)


def test_a_model_name_filters_the_events_of_models():
    assert matches(rule(model_name="reg"), event(model_name="reg"))
    assert not matches(rule(model_name="other"), event(model_name="reg"))
    # Task events belong to no model: a rule naming one (to retrain it)
    # still answers them.
    task_event = event(target="input", model_name=None)
    assert matches(rule(target="input", model_name="reg"), task_event)


def test_idempotency_keys_differ_per_delivery_and_fit_a_header_line():
    keys = {
        idempotency_key(e, r, i) for e in ("e1", "e2") for r in ("r1", "r2")
        for i in (0, 1)
    }  # fmt: skip
    assert len(keys) == 8
    assert idempotency_key("e1", "r1", 0) == idempotency_key("e1", "r1", 0)
    assert max(len(key) for key in keys) + len("X-ML3-Idempotency-Key: ") <= 78
