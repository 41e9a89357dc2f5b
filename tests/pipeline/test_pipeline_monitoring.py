"""References and the monitors a production batch goes through."""

from conftest import World, samples

from ml3_platform.db.tables import (
    DetectionEvent,
    DriftScore,
    ModelVersion,
    MonitorState,
    Task,
)


def with_reference(world, n=400):
    data = samples("h", n, start=0.0, seed=1)
    assert world.historical(data["inputs"], data["target"]) is None
    assert world.reference(0.0, float(n)) is None


def test_reference_needs_300_samples(world):
    data = samples("h", 310, start=0.0)
    assert world.historical(data["inputs"], data["target"]) is None

    message = world.reference(0.0, 298.0)

    assert message == (
        "a reference needs at least 300 samples; the historical data between "
        "0 and 298 hold 299"
    )
    assert world.rows(MonitorState) == []


def test_reference_fits_the_input_monitors(world):
    with_reference(world)

    states = world.rows(MonitorState, task_id=world.task.id, target="input")
    assert sorted(s.specification for s in states) == ["", "c", "x"]
    assert {s.status for s in states} == {"ok"}
    version = world.get(ModelVersion, world.version.id)
    assert (version.reference_from_ts, version.reference_to_ts) == (0.0, 400.0)
    reference = world.store.read_table(version.reference_key)
    assert reference.num_rows == 400
    assert reference.column_names == ["sid", "ts", "x", "c", "y"]


def test_production_before_a_reference_is_stored_unmonitored(world):
    data = samples("p", 50, start=1000.0)

    assert world.production(inputs=data["inputs"]) is None
    assert world.get(Task, world.task.id).input_status == "ok"
    assert world.rows(DetectionEvent) == []


def test_input_drift_gives_joint_and_feature_events(world):
    with_reference(world)
    calm = samples("p", 300, start=1000.0, seed=2)
    shifted = samples("q", 600, start=2000.0, shift=3.0, seed=3)

    assert world.production(inputs=calm["inputs"]) is None
    assert world.rows(DetectionEvent) == []
    assert world.production(inputs=shifted["inputs"]) is None

    events = world.rows(DetectionEvent, task_id=world.task.id)
    joint = [e for e in events if e.specification == ""]
    feature = [e for e in events if e.specification == "x"]
    assert [e.event_type for e in joint] == ["warning_on", "drift_on"]
    assert {e.metric for e in joint} == {None}
    assert [e.severity for e in joint] == [None, "high"]
    assert joint[1].sample_id.startswith("q")
    assert joint[1].sample_ts >= 2000.0
    assert {e.metric for e in feature} == {"feature"}
    assert {e.target for e in feature} == {"input"}
    assert not [e for e in events if e.specification == "c"]
    assert world.get(Task, world.task.id).input_status == "drift"
    # One score per monitor per batch.
    assert len(world.rows(DriftScore)) == 6


def test_new_reference_resets_status_without_events(world):
    with_reference(world)
    shifted = samples("q", 600, start=2000.0, shift=3.0)
    assert world.production(inputs=shifted["inputs"]) is None
    before = len(world.rows(DetectionEvent))

    assert world.reference(0.0, 400.0) is None

    assert world.get(Task, world.task.id).input_status == "ok"
    assert len(world.rows(DetectionEvent)) == before


def test_prediction_and_error_monitors_start_on_production(world):
    baseline = samples("p", 250, start=1000.0, seed=4)

    assert world.production(**baseline) is None

    version = world.get(ModelVersion, world.version.id)
    assert (version.prediction_status, version.status) == ("ok", "ok")
    assert version.status_data_start_ts is not None



def test_a_monitor_scores_in_the_job_that_creates_it(world):
    # Regression: a self-starting monitor whose baseline fills in its first
    # batch is created and scored by one job; the score used to be inserted
    # before its monitor row, which the foreign key refused.
    assert world.production(**samples("p", 250, start=1000.0, seed=4)) is None

    monitors = {s.id: s.target for s in world.rows(MonitorState)}
    scored = {monitors.get(score.monitor_id) for score in world.rows(DriftScore)}
    assert scored == {"prediction", "error"}

def test_error_drift_names_the_model(world):
    assert world.production(**samples("p", 250, start=1000.0, seed=4)) is None
    bad = samples("q", 400, start=2000.0, seed=5)
    bad["predictions"]["reg@v1"] = [v + 3.0 for v in bad["predictions"]["reg@v1"]]

    assert world.production(**bad) is None

    events = world.rows(DetectionEvent, target="error")
    assert [e.event_type for e in events] == ["warning_on", "drift_on"]
    assert {(e.model_name, e.model_version) for e in events} == {("reg", "v1")}
    assert {e.model_id for e in events} == {world.model.id}
    version = world.get(ModelVersion, world.version.id)
    assert version.status == "drift"


def test_late_labels_reach_the_error_monitor(world):
    data = samples("p", 250, start=1000.0, seed=6)
    assert (
        world.production(inputs=data["inputs"], predictions=data["predictions"]) is None
    )
    assert world.get(ModelVersion, world.version.id).status == "not_initialized"

    assert world.late_target(data["target"]) is None

    assert world.get(ModelVersion, world.version.id).status == "ok"
    (error,) = world.rows(MonitorState, target="error")
    assert error.status == "ok"


def test_prediction_before_target_across_batches_counts_once(world):
    data = samples("p", 150, start=1000.0, seed=7)
    more = samples("r", 100, start=2000.0, seed=8)
    assert (
        world.production(inputs=data["inputs"], predictions=data["predictions"]) is None
    )
    # Targets of the first batch arrive with a second batch of full samples:
    # 150 late pairs + 100 new pairs pass the 200-sample baseline.
    both_targets = {k: data["target"][k] + more["target"][k] for k in data["target"]}
    body_ok = world.production(
        inputs=more["inputs"], target=both_targets, predictions=more["predictions"]
    )

    assert body_ok is None
    assert world.get(ModelVersion, world.version.id).status == "ok"


def test_the_platform_calibrates_by_simulation_when_set_to(tmp_path):
    """ML3_MONITORING_CALIBRATION=simulated: the same stream, lower stored
    thresholds (monitoring/calibration.py), and the shift still found."""
    worlds = {}
    for calibration in ("bound", "simulated"):
        world = World(tmp_path / calibration)
        world.settings = world.settings.model_copy(
            update={"monitoring_calibration": calibration}
        )
        with_reference(world)
        shifted = samples("q", 600, start=2000.0, shift=3.0, seed=3)
        assert world.production(inputs=shifted["inputs"]) is None
        worlds[calibration] = world

    def thresholds(world):
        return sorted(s.drift_threshold for s in world.rows(DriftScore))

    bound, simulated = worlds["bound"], worlds["simulated"]
    assert len(thresholds(simulated)) == len(thresholds(bound)) > 0
    assert all(s < b for s, b in zip(thresholds(simulated), thresholds(bound)))
    for world in (bound, simulated):
        joint = [e for e in world.rows(DetectionEvent) if e.specification == ""]
        assert "drift_on" in [e.event_type for e in joint]
