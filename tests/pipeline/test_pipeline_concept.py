"""The concept monitor: late labels, their order, and covariate shift."""

from conftest import samples

from ml3_platform.db.tables import DetectionEvent, MonitorState, Task
from ml3_platform.settings import Settings


def strict(world) -> None:
    """Default-like run lengths: false drifts once per 10⁶ samples and
    false warnings once per 10⁵ per monitor, so a few hundred calm samples
    raise no event but with probability below 1% (union bound: 600 / 10⁵)."""
    world.settings = Settings(
        home=world.settings.home,
        baseline_samples=200,
        drift_run_length=1e6,
        warning_run_length=1e5,
    )


def with_reference(world, n=400):
    data = samples("h", n, start=0.0, seed=1)
    assert world.historical(data["inputs"], data["target"]) is None
    assert world.reference(0.0, float(n)) is None


def test_reference_fits_the_concept_monitor(world):
    with_reference(world)

    (state,) = world.rows(MonitorState, task_id=world.task.id, target="concept")
    assert (state.specification, state.status) == ("", "ok")
    assert world.get(Task, world.task.id).concept_status == "ok"


def test_late_labels_reach_the_concept_monitor_in_time_order(world):
    strict(world)
    with_reference(world)
    data = samples("p", 300, start=1000.0, seed=2)
    assert world.production(inputs=data["inputs"]) is None
    assert world.rows(DetectionEvent, target="concept") == []

    # The relation flips (y = -2x), and the labels come in reverse order.
    x = data["inputs"]["x"]
    late = {
        "sid": data["target"]["sid"][::-1],
        "ts": data["target"]["ts"][::-1],
        "y": [-2 * v for v in x][::-1],
    }
    assert world.late_target(late) is None

    events = world.rows(DetectionEvent, target="concept")
    assert [e.event_type for e in events] == ["warning_on", "drift_on"]
    event = events[1]
    assert (event.metric, event.model_name, event.severity) == (None, None, "high")
    # Residuals jump from N(0, 0.1²) to about N(0, 4²): the CUSUM decides
    # within a few samples of the first ones in time, not of the first in
    # the file (which are the latest).
    assert 1000.0 <= event.sample_ts < 1050.0
    assert world.get(Task, world.task.id).concept_status == "drift"


def test_covariate_shift_is_not_concept_drift(world):
    strict(world)
    with_reference(world)
    shifted = samples("q", 600, start=2000.0, shift=3.0, seed=3)

    assert world.production(inputs=shifted["inputs"], target=shifted["target"]) is None

    task = world.get(Task, world.task.id)
    assert task.input_status == "drift"
    # The relation y = 2x + noise is linear: the ridge model is well
    # specified, so its residuals keep the reference's law at any x.
    assert task.concept_status == "ok"
    assert world.rows(DetectionEvent, target="concept") == []


def test_labels_without_inputs_in_the_call_use_stored_inputs(world):
    strict(world)
    with_reference(world)
    data = samples("p", 300, start=1000.0, seed=4)
    assert world.production(inputs=data["inputs"]) is None

    assert world.production(target=data["target"]) is None

    assert world.get(Task, world.task.id).concept_status == "ok"
    (state,) = world.rows(MonitorState, target="concept")
    assert state.status == "ok"
