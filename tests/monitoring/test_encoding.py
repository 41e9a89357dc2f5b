"""Bin codes of the compiled encoders against plain NumPy and Python."""

import numpy as np
import pytest

from ml3_platform.monitoring import Monitor
from ml3_platform.monitoring._encoding import MAX_COUNTED_CUTS
from ml3_platform.monitoring.binning import (
    CategoricalBinning,
    NumericBinning,
    fit_binning,
)
from ml3_platform.monitoring.config import DetectorConfig

from .streams import FAST, MIXED_SPECS, mixed_frame


def searched_codes(cuts, x):
    codes = np.searchsorted(cuts, x, side="right").astype(np.int32)
    codes[np.isnan(x)] = -1
    return codes


def looked_up_codes(levels, values):
    index = {level: i for i, level in enumerate(levels)}
    missing = [v is None or (isinstance(v, float) and v != v) for v in values]
    codes = [-1 if m else index.get(v, len(levels)) for v, m in zip(values, missing)]
    return np.array(codes, dtype=np.int32)


def awkward_values(rng, cuts, n):
    """Normal values, the cuts themselves and their neighbours, ties,
    signed zeros, infinities and NaN."""
    x = np.concatenate([
        rng.normal(size=n),
        cuts,
        np.nextafter(cuts, -np.inf),
        np.nextafter(cuts, np.inf),
        np.round(rng.normal(size=n), 1),
        [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324],
    ])  # fmt: skip
    x[rng.random(len(x)) < 0.05] = np.nan
    return rng.permutation(x)


@pytest.mark.parametrize("n_cuts", [0, 1, 19, MAX_COUNTED_CUTS + 1])
def test_numeric_codes_match_searchsorted(rng, n_cuts):
    cuts = np.unique(rng.normal(size=n_cuts))
    cuts = np.concatenate([cuts, [np.inf]]) if n_cuts == 1 else cuts
    binning = NumericBinning(cuts)
    assert len(binning.cuts) == n_cuts + (n_cuts == 1)
    x = awkward_values(rng, binning.cuts, 5000)

    expected = searched_codes(binning.cuts, x)
    np.testing.assert_array_equal(binning.codes(x), expected)
    np.testing.assert_array_equal(binning.codes(x[::3]), expected[::3])
    single = x.astype(np.float32)
    expected = searched_codes(binning.cuts, single)
    np.testing.assert_array_equal(binning.codes(single), expected)


def test_numeric_codes_of_fitted_cuts_and_python_values(rng):
    reference = np.where(rng.random(20000) < 0.3, 0.0, rng.standard_t(2, 20000))
    binning = NumericBinning.fit(reference, n_bins=20, min_bin_count=50)
    values = np.array([1.5, None, -0.0, np.inf, 0.0], dtype=object)

    x = awkward_values(rng, binning.cuts, 5000)
    np.testing.assert_array_equal(binning.codes(x), searched_codes(binning.cuts, x))
    expected = searched_codes(binning.cuts, values.astype(np.float64))
    np.testing.assert_array_equal(binning.codes(values), expected)


def test_fixed_width_text_codes_match_a_lookup(rng):
    levels = ["a", "bb", "level1", "é", "ζζζ", "", "a\x00b", "wider-than-six"]
    binning = CategoricalBinning(levels)
    pool = np.array([*levels, "unseen", "level", "b", "bbb"], dtype=object)
    values = pool[rng.integers(0, len(pool), 3000)]

    for dtype in ("<U6", "<U1", "<U20", ">U6"):
        text = values.astype(dtype)
        expected = looked_up_codes(levels, text.tolist())
        np.testing.assert_array_equal(binning.codes(text), expected)
        np.testing.assert_array_equal(binning.codes(text[::2]), expected[::2])


def test_text_codes_with_missing_values_and_non_text_levels(rng):
    values = np.array(["a", None, "b", np.nan, "c", 3, 2.0], dtype=object)
    text = CategoricalBinning(["b", "a"])
    mixed = CategoricalBinning(["b", 3, 2.0])

    expected = np.array([1, -1, 0, -1, 2, 2, 2], dtype=np.int32)
    np.testing.assert_array_equal(text.codes(values), expected)
    np.testing.assert_array_equal(mixed.codes(values), looked_up_codes(
        mixed.levels, values.tolist()))  # fmt: skip
    np.testing.assert_array_equal(mixed.codes(np.array(["b", "x"])), [0, 3])


def test_encode_writes_what_the_columns_code(rng):
    monitor = Monitor.fit(mixed_frame(rng, 5000), MIXED_SPECS, FAST)
    batch = mixed_frame(rng, 4000)
    batch["a"][::7] = np.nan
    batch["c"] = batch["c"].astype(str)[::2]
    batch["a"], batch["b"] = batch["a"][::2], batch["b"][1::2]

    codes = monitor.encode(batch)
    by_column = [
        b.codes(batch[s.name]) for b, s in zip(monitor._binnings, monitor.specs)
    ]
    np.testing.assert_array_equal(codes, np.stack(by_column, axis=1))
    # The kernel reads one column's rows at a time: each is contiguous.
    assert codes.dtype == np.int32 and codes.T.flags.c_contiguous
    as_lists = monitor.encode({k: v.tolist() for k, v in batch.items()})
    np.testing.assert_array_equal(as_lists, codes)


def test_encode_refuses_columns_of_different_lengths(rng):
    monitor = Monitor.fit(mixed_frame(rng, 2000), MIXED_SPECS, FAST)
    batch = mixed_frame(rng, 100)
    batch["b"] = batch["b"][:99]

    with pytest.raises(ValueError, match="differ in length"):
        monitor.encode(batch)



def test_levels_of_numpy_text_are_those_of_python_objects(rng):
    pool = np.array([f"k{i}" for i in range(4000)] + ["", "é", "😀", "bb"])
    values = pool[rng.zipf(1.1, 20000) % len(pool)]
    assert len(set(values.tolist())) > 1024

    for max_levels in (50, 5000):
        as_text = CategoricalBinning.fit(values, max_levels).levels
        as_objects = CategoricalBinning.fit(values.astype(object), max_levels)
        assert as_text == as_objects.levels
        assert all(type(level) is str for level in as_text)


def test_fitted_bin_counts_are_those_of_the_codes(rng):
    """The fit reads numeric counts off the sorted reference; they must be
    what coding the reference and counting the codes gives."""
    config = DetectorConfig()
    x = np.concatenate([
        rng.standard_t(2, 20000),
        np.zeros(8000),  # an atom of its own bin
        np.round(rng.normal(size=5000), 1),  # ties
        [np.nan] * 300, [np.inf, -np.inf, -0.0],
    ])  # fmt: skip
    x = rng.permutation(x)
    levels = np.array(["a", "b", "c", None, np.nan, 3], dtype=object)
    for values, kind in ((x, "numeric"), (levels[rng.integers(0, 6, 5000)], "categorical")):
        binning, counts = fit_binning(values, kind, config)
        codes = binning.codes(values)
        expected = np.bincount(codes[codes >= 0], minlength=binning.n_bins)
        assert counts.tolist() == expected.tolist()
