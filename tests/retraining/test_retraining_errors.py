"""What the retraining calls refuse, and the new version from a time range."""

import pytest

from ml3_platform.db.tables import DetectionEvent, Task
from ml3_platform_sdk.enums import ModelMetricName, SuggestionType
from ml3_platform_sdk.exceptions import (
    ComputeRetrainingReportException,
    CreateModelException,
    GetRetrainingReportException,
    JobFailureException,
    SDKClientException,
    SetModelSuggestionTypeException,
    UpdateModelVersionException,
)
from streams import MODEL, START, draw, ready_model, send_historical, send_production
from support import database_session

DAY = 86_400.0


@pytest.fixture
def referenced(client, tmp_path):
    """A task with 400 historical samples as the model's reference."""
    task_id, model_id = ready_model(client)
    history = draw("h", 400, START, drifted=False, seed=1)
    send_historical(client, task_id, history, tmp_path)
    client.wait_job_completion(client.set_model_reference(model_id, START, START + DAY))
    return task_id, model_id


def test_a_report_before_any_drift_is_refused(client, referenced):
    _, model_id = referenced
    with pytest.raises(ComputeRetrainingReportException) as caught:
        client.compute_retraining_report(model_id)
    assert caught.value.error_code == "NO_DRIFT_DETECTED"

    with pytest.raises(GetRetrainingReportException) as caught:
        client.get_retraining_report(model_id)
    assert caught.value.error_code == "RETRAINING_REPORT_NOT_FOUND"


def test_too_little_post_drift_data_fails_the_job(client, referenced, platform, tmp_path):
    task_id, model_id = referenced
    few = draw("p", 40, START + 2 * DAY, drifted=True, seed=2)
    send_production(client, task_id, model_id, few, f"{MODEL}@v1", few["y"].to_numpy(), tmp_path)
    _record_drift(platform, task_id, "input", START + 2 * DAY)

    job_id = client.compute_retraining_report(model_id)
    with pytest.raises(JobFailureException) as caught:
        client.wait_job_completion(job_id)
    message = caught.value.error_message
    assert "at least 100 samples since the drift at 1700172800;" in message
    assert "holds 40 (40 with a target)" in message
    with pytest.raises(GetRetrainingReportException):
        client.get_retraining_report(model_id)


def test_a_weighted_version_needs_enough_effective_samples(
    client, referenced, platform, tmp_path
):
    """150 samples since a concept drift: enough for a report, whose weights
    sit on those few samples, too few to be a weighted reference."""
    task_id, model_id = referenced
    few = draw("p", 150, START + 2 * DAY, drifted=True, seed=2)
    send_production(client, task_id, model_id, few, f"{MODEL}@v1", few["y"].to_numpy(), tmp_path)
    _record_drift(platform, task_id, "concept", START + 2 * DAY)
    client.wait_job_completion(client.compute_retraining_report(model_id))
    report = client.get_retraining_report(model_id)
    assert report.effective_sample_size < 300

    with pytest.raises(UpdateModelVersionException) as caught:
        client.update_model_version_by_suggestion_id(
            model_id, "v2", report.suggestion.suggestion_id
        )
    assert caught.value.error_code == "EFFECTIVE_SAMPLE_SIZE_TOO_SMALL"
    assert f"has {report.effective_sample_size:.0f}" in caught.value.error_message
    assert [m.version for m in client.get_models(task_id)] == ["v1"]
    info = client.get_suggestions_info(model_id, "v1")
    assert [s.executed for s in info] == [False]


def test_resampled_dataset_needs_a_positive_size(client, referenced):
    _, model_id = referenced
    for size in (None, 0):
        with pytest.raises(SetModelSuggestionTypeException) as caught:
            client.set_model_suggestion_type(
                model_id, SuggestionType.RESAMPLED_DATASET, size
            )
        assert caught.value.error_code == "RESAMPLED_DATASET_SIZE_INVALID"
    client.set_model_suggestion_type(model_id, SuggestionType.RESAMPLED_DATASET, 500)


def test_a_resampled_dataset_size_has_an_upper_bound(client, referenced):
    """A size past the bound once failed the report job on memory, or the
    request with a 500 when it did not fit the column; now it is refused."""
    _, model_id = referenced
    for kind in SuggestionType:
        for size in (-5, 10**7 + 1, 10**30):
            with pytest.raises(SetModelSuggestionTypeException) as caught:
                client.set_model_suggestion_type(model_id, kind, size)
            assert caught.value.error_code == "RESAMPLED_DATASET_SIZE_INVALID"
            assert f"not {size}" in caught.value.error_message
    client.set_model_suggestion_type(model_id, SuggestionType.RESAMPLED_DATASET, 10**7)


def test_suggestions_of_an_empty_version_name_the_path(client, referenced):
    """The empty version leaves no route to match; the answer once said only
    "Not Found", so the caller could not tell what was missing."""
    _, model_id = referenced
    with pytest.raises(SDKClientException) as caught:
        client.get_suggestions_info(model_id, "")
    assert caught.value.error_code == "NOT_FOUND"
    assert caught.value.error_message == (
        f"no endpoint GET /sdk/v1/suggestions/{model_id}/"
    )
    assert client.get_suggestions_info(model_id, "v1") == []


def test_suggestions_of_a_version_with_url_characters(client, referenced):
    """A "?" or "#" in a version once cut the name short in the path, so the
    answer was about another version."""
    _, model_id = referenced
    for name in ("rc?1", "50%#2", "a b"):
        client.wait_job_completion(
            client.update_model_version_from_time_range(
                model_id, name, START, START + DAY
            )
        )
        assert client.get_suggestions_info(model_id, name) == []

    with pytest.raises(SDKClientException) as caught:
        client.get_suggestions_info(model_id, "rc?2")
    assert caught.value.error_code == "MODEL_VERSION_NOT_FOUND"
    assert caught.value.error_message.endswith(f"{model_id}@rc?2 not found")


def test_a_version_needs_a_known_suggestion_and_a_new_name(client, referenced):
    _, model_id = referenced
    with pytest.raises(UpdateModelVersionException) as caught:
        client.update_model_version_by_suggestion_id(model_id, "v2", "nope")
    assert caught.value.error_code == "SUGGESTION_NOT_FOUND"

    with pytest.raises(UpdateModelVersionException) as caught:
        client.update_model_version_from_time_range(model_id, "v1", START, START + DAY)
    assert caught.value.error_code == "MODEL_VERSION_ALREADY_EXISTS"


def test_a_new_version_name_is_checked_before_the_job(client, referenced):
    """Blank names once became versions, and a name too long for its column
    failed the job; both are refused at once, as by create_model, and so is
    a "/", which no path could then name."""
    task_id, model_id = referenced
    refused = (
        ("   ", "MODEL_VERSION_INVALID"),
        ("a/b", "MODEL_VERSION_INVALID"),
        ("v" * 201, "VALUE_TOO_LONG"),
    )
    for name, code in refused:
        for update in (
            lambda: client.update_model_version_from_time_range(
                model_id, name, START, START + DAY
            ),
            lambda: client.update_model_version_by_suggestion_id(model_id, name, "x"),
        ):
            with pytest.raises(UpdateModelVersionException) as caught:
                update()
            assert caught.value.error_code == code
    assert [m.version for m in client.get_models(task_id)] == ["v1"]


def test_a_model_version_with_a_slash_is_refused(client, referenced):
    task_id, _ = referenced
    with pytest.raises(CreateModelException) as caught:
        client.create_model(
            task_id, "other", "2024/01", ModelMetricName.RMSE,
            SuggestionType.SAMPLE_WEIGHTS,
        )  # fmt: skip
    assert caught.value.error_code == "MODEL_VERSION_INVALID"
    assert "'/'" in caught.value.error_message
    assert [m.name for m in client.get_models(task_id)] == [MODEL]


def test_a_version_from_a_time_range_keeps_the_old_one(client, referenced):
    task_id, model_id = referenced
    client.wait_job_completion(
        client.update_model_version_from_time_range(model_id, "v2", START, START + DAY)
    )

    versions = [(m.model_id, m.version) for m in client.get_models(task_id)]
    assert versions == [(model_id, "v1"), (model_id, "v2")]
    assert client.get_model(model_id).version == "v2"
    assert str(client.get_task(task_id).input_status) == "ok"
    assert client.get_model_by_name_and_version(task_id, MODEL, "v1").version == "v1"

    job_id = client.update_model_version_from_time_range(
        model_id, "v3", START + 10 * DAY, START + 11 * DAY
    )
    with pytest.raises(JobFailureException) as caught:
        client.wait_job_completion(job_id)
    # The whole timestamps: six digits (1.70086e+09) once hid which range.
    assert "between 1700864000 and 1700950400 hold 0" in caught.value.error_message
    assert [m.version for m in client.get_models(task_id)] == ["v1", "v2"]


def _record_drift(platform, task_id: str, target: str, ts: float) -> None:
    """A drift event, as a monitor would write it (no route writes events)."""
    with database_session(platform.settings) as session:
        assert session.get(Task, task_id) is not None
        session.add(
            DetectionEvent(
                task_id=task_id,
                job_id="test",
                seq_in_job=1,
                event_type="drift_on",
                target=target,
                sample_id="p0",
                sample_ts=ts,
            )
        )
        session.commit()
