"""Inputs that break other detectors: missing data, odd columns, tiny batches."""

import numpy as np

from ml3_platform.monitoring import ColumnSpec, DetectorConfig, Monitor
from ml3_platform.monitoring.binning import NumericBinning

from .streams import FAST, LEVELS, MIXED_SPECS, mixed_frame

NUMERIC = [ColumnSpec("x", "numeric")]
CATEGORICAL = [ColumnSpec("c", "categorical")]


def events(transitions):
    return [t.event for t in transitions]


def test_all_missing_batch_changes_nothing(rng):
    monitor = Monitor.fit(mixed_frame(rng, 5000), MIXED_SPECS, FAST)
    monitor.update(mixed_frame(rng, 300))
    before = monitor.score
    empty = {
        "a": np.full(5000, np.nan),
        "b": np.full(5000, np.nan),
        "c": np.full(5000, None, dtype=object),
    }

    assert monitor.update(empty) == []
    assert monitor.score == before and np.isfinite(monitor.score)
    assert monitor.status == "ok"


def test_missing_values_in_reference_are_ignored(rng):
    reference = rng.normal(size=5000)
    reference[rng.random(5000) < 0.3] = np.nan
    labels = LEVELS[rng.integers(0, 10, 5000)]
    labels[rng.random(5000) < 0.3] = None
    specs = [*NUMERIC, *CATEGORICAL]
    monitor = Monitor.fit({"x": reference, "c": labels}, specs, FAST)

    production = {"x": rng.normal(size=2000), "c": LEVELS[rng.integers(0, 10, 2000)]}
    assert "drift_on" not in events(monitor.update(production))
    assert np.isfinite(monitor.drift_threshold)


def test_constant_column(rng):
    monitor = Monitor.fit({"x": np.full(3000, 5.0)}, NUMERIC, FAST)

    assert monitor.update({"x": np.full(50000, 5.0)}) == []
    transitions = monitor.update({"x": np.full(20, 6.0)})
    assert events(transitions)[-1] == "drift_on"
    assert transitions[-1].severity == "high"


def test_unseen_category_raises_drift(rng):
    monitor = Monitor.fit({"c": LEVELS[rng.integers(0, 5, 5000)]}, CATEGORICAL, FAST)
    production = LEVELS[rng.integers(0, 5, 1000)]
    production[::10] = "never seen"

    transitions = monitor.update({"c": production})

    assert "drift_on" in events(transitions)
    assert all(np.isfinite(t.score) for t in transitions)


def test_vanished_category_raises_drift(rng):
    monitor = Monitor.fit({"c": LEVELS[rng.integers(0, 4, 5000)]}, CATEGORICAL, FAST)
    assert "drift_on" in events(monitor.update({"c": LEVELS[rng.integers(1, 4, 500)]}))


def test_integer_and_boolean_categories(rng):
    specs = [ColumnSpec("i", "categorical"), ColumnSpec("flag", "categorical")]
    reference = {"i": rng.integers(0, 3, 5000), "flag": rng.random(5000) < 0.2}
    monitor = Monitor.fit(reference, specs, FAST)

    production = {"i": rng.integers(0, 3, 3000), "flag": rng.random(3000) < 0.2}
    assert "drift_on" not in events(monitor.update(production))
    restored = Monitor.from_bytes(monitor.to_bytes())
    assert restored.update({"i": np.array([7]), "flag": np.array([True])}) == []


def test_zero_inflated_column_gets_its_own_zero_bin(rng):
    def zero_inflated(n):
        return np.where(rng.random(n) < 0.7, 0.0, rng.exponential(1.0, n))

    reference = zero_inflated(5000)
    binning = NumericBinning.fit(reference, n_bins=20, min_bin_count=50)
    codes = binning.codes(np.array([-1.0, 0.0, 1e-300]))
    assert len(set(codes.tolist())) == 3

    monitor = Monitor.fit({"x": reference}, NUMERIC, FAST)
    transitions = monitor.update({"x": zero_inflated(30000)})
    assert all(np.isfinite(t.score) for t in transitions)
    assert events(transitions).count("drift_on") <= 2


def test_heavy_ties_and_empty_bins_keep_scores_finite(rng):
    reference = rng.integers(0, 4, 5000).astype(float)
    monitor = Monitor.fit({"x": reference}, NUMERIC, FAST)

    transitions = monitor.update({"x": rng.uniform(-10, 10, 200)})
    assert "drift_on" in events(transitions)
    assert np.isfinite(monitor.score)


def test_single_row_and_empty_batches(rng):
    monitor = Monitor.fit(mixed_frame(rng, 5000), MIXED_SPECS, FAST)
    empty = {"a": np.empty(0), "b": np.empty(0), "c": np.empty(0, dtype=object)}

    assert monitor.update(empty) == []
    one = mixed_frame(rng, 1)
    assert monitor.update(one) == []
    assert monitor.rows_seen == 1


def test_reference_equal_to_production_for_long(rng):
    config = DetectorConfig()
    monitor = Monitor.fit(mixed_frame(rng, 20000), MIXED_SPECS, config)
    assert "drift_on" not in events(monitor.update(mixed_frame(rng, 400_000)))


def test_small_reference_does_not_false_alarm():
    for seed in range(5):
        rng = np.random.default_rng(seed)
        monitor = Monitor.fit(mixed_frame(rng, 300), MIXED_SPECS, DetectorConfig())
        assert "drift_on" not in events(monitor.update(mixed_frame(rng, 50_000)))


def test_all_missing_reference_column_is_not_monitored(rng):
    specs = [*NUMERIC, *CATEGORICAL]
    reference = {"x": np.full(1000, np.nan), "c": np.full(1000, None, dtype=object)}
    monitor = Monitor.fit(reference, specs, FAST)

    assert monitor.n_alternatives == 0
    assert (
        monitor.update({"x": rng.normal(size=100), "c": LEVELS[:1].repeat(100)}) == []
    )
    assert np.isfinite(monitor.drift_threshold)


def test_all_missing_batch_is_not_enough_data(rng):
    monitor = Monitor.fit(mixed_frame(rng, 5000), MIXED_SPECS, FAST)
    monitor.update(mixed_frame(rng, 10))
    assert monitor.enough_data

    empty = {
        "a": np.full(50, np.nan),
        "b": np.full(50, np.nan),
        "c": np.array([None, float("nan")] * 25, dtype=object),
    }
    assert monitor.update(empty) == []
    assert not monitor.enough_data and np.isfinite(monitor.score)

    monitor.update({k: v[:1] for k, v in mixed_frame(rng, 1).items()})
    assert monitor.enough_data


def test_a_class_missing_from_small_batches_is_no_drift(rng):
    monitor = Monitor.fit({"c": LEVELS[rng.integers(0, 10, 20000)]}, CATEGORICAL, FAST)
    found = []
    for _ in range(200):
        # Ten rows over ten levels: most batches miss several classes.
        found += events(monitor.update({"c": LEVELS[rng.integers(0, 10, 10)]}))
    assert "drift_on" not in found
    assert np.isfinite(monitor.score)


def test_reference_equal_to_production_over_many_windows(rng):
    monitor = Monitor.fit(mixed_frame(rng, 20000), MIXED_SPECS, DetectorConfig())
    found = []
    for _ in range(40):
        found += events(monitor.update(mixed_frame(rng, 10_000)))
    assert "drift_on" not in found and monitor.status != "drift"


def test_empty_bins_in_production_keep_scores_finite(rng):
    # Production leaves most of the reference's bins empty.
    monitor = Monitor.fit({"x": rng.normal(size=5000)}, NUMERIC, FAST)
    transitions = monitor.update({"x": np.full(300, 0.01)})
    assert "drift_on" in events(transitions)
    assert all(np.isfinite(t.score) for t in transitions)


def test_text_levels_code_alike_as_numpy_text_objects_and_arrow(rng):
    reference = LEVELS[rng.integers(0, 5, 3000)]
    monitor = Monitor.fit({"c": reference}, CATEGORICAL, FAST)
    values = np.array(["level1", "level9", "", "level10", "lev", "level4"])

    as_text = monitor.encode({"c": values})
    as_objects = monitor.encode({"c": values.astype(object)})
    with_missing = monitor.encode({"c": np.array([*values, None], dtype=object)})

    np.testing.assert_array_equal(as_text, as_objects)
    np.testing.assert_array_equal(with_missing[:-1, 0], as_text[:, 0])
    assert with_missing[-1, 0] == -1
    other = monitor._binnings[0].n_bins - 1
    assert as_text[:, 0].tolist().count(other) == 4
