"""The whole retraining loop through the real server and the real client.

A regression model meets a concept drift; the platform's report suggests
weights; the model is retrained outside the platform with them; the new
version comes back by suggestion id and its monitoring returns to ``ok`` on
post-drift data.
"""

import numpy as np
import polars as pl
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor

from ml3_platform_sdk.enums import SuggestionType
from streams import (
    MODEL,
    START,
    draw,
    features,
    ready_model,
    send_historical,
    send_production,
)

# Minutes on a loaded machine: three production batches past the
# 1,000-sample baselines, and a report that fits some twenty small models.
pytestmark = pytest.mark.timeout(1800)
DAY = 86_400.0


def test_drift_report_retrain_new_version_back_to_ok(client, tmp_path):
    task_id, model_id = ready_model(client)
    history = draw("h", 2000, START, drifted=False, seed=1)
    send_historical(client, task_id, history, tmp_path)
    client.wait_job_completion(
        client.set_model_reference(model_id, START, START + 2000 * 60.0)
    )

    def old_model(frame):
        return (2 * frame["x1"] - frame["x2"]).to_numpy()

    before = draw("a", 1200, START + 2 * DAY, drifted=False, seed=2)
    send_production(client, task_id, model_id, before, f"{MODEL}@v1", old_model(before), tmp_path)
    assert str(client.get_model(model_id).status) == "ok"

    after = draw("b", 1500, START + 4 * DAY, drifted=True, seed=3)
    send_production(client, task_id, model_id, after, f"{MODEL}@v1", old_model(after), tmp_path)
    assert str(client.get_model(model_id).status) == "drift"

    client.wait_job_completion(client.compute_retraining_report(model_id))
    report = client.get_retraining_report(model_id)
    suggestion = report.suggestion
    assert str(suggestion.suggestion_type) == SuggestionType.SAMPLE_WEIGHTS.value
    # Every stored sample with a target is weighed: history and production.
    assert len(suggestion.sample_ids) == 2000 + 1200 + 1500
    assert report.effective_sample_size >= 300
    assert report.performance_lower_bound <= report.performance_upper_bound
    assert report.model_metric_name == "rmse"
    assert report.cost_lower_bound is None  # the task has no cost info

    # Retrain outside the platform with the suggested weights.
    stored = pl.concat([history, before, after])
    weights = pl.DataFrame(
        {"sample_id": suggestion.sample_ids, "w": suggestion.sample_weights}
    )
    train = stored.join(weights, on="sample_id")
    retrained = HistGradientBoostingRegressor(random_state=0).fit(
        features(train), train["y"].to_numpy(), sample_weight=train["w"].to_numpy()
    )

    info = client.get_suggestions_info(model_id, "v1")
    assert [(s.id, s.executed) for s in info] == [(suggestion.suggestion_id, False)]
    client.wait_job_completion(
        client.update_model_version_by_suggestion_id(
            model_id, "v2", suggestion.suggestion_id
        )
    )
    assert client.get_model(model_id).version == "v2"
    assert client.get_model_by_name_and_version(task_id, MODEL, "v1").model_id == model_id
    assert client.get_model_by_name_and_version(task_id, MODEL, "v2").model_id == model_id
    assert client.get_suggestions_info(model_id, "v1")[0].executed
    assert client.get_suggestions_info(model_id, "v2") == []
    names = [c.name for c in client.get_data_schema(task_id).columns]
    assert f"{MODEL}@v2" in names

    later = draw("c", 1500, START + 6 * DAY, drifted=True, seed=4)
    predicted = retrained.predict(features(later))
    send_production(client, task_id, model_id, later, f"{MODEL}@v2", predicted, tmp_path)

    model = client.get_model(model_id)
    assert (model.version, str(model.status)) == ("v2", "ok")
    v2_events = [
        e for e in client.get_detection_events(task_id)
        if e.model_version == "v2" and str(e.event_type) == "drift_on"
    ]
    assert v2_events == []
    # The old version keeps its own statuses.
    assert str(client.get_model_by_name_and_version(task_id, MODEL, "v1").status) == "drift"
    rmse = float(np.sqrt(np.mean((predicted - later["y"].to_numpy()) ** 2)))
    old_rmse = float(np.sqrt(np.mean((old_model(later) - later["y"].to_numpy()) ** 2)))
    assert rmse < old_rmse / 2
