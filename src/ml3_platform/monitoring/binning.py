"""Discretisation of columns against their reference.

Every column becomes a histogram whose bins are fixed by the reference, so
one likelihood-ratio test serves numeric and categorical data alike.

Numeric columns get bins of equal reference probability (the QuantTree idea:
Boracchi, Carrera, Cervellera and Macciò, "QuantTree: Histograms for Change
Detection in Multivariate Data Streams", ICML 2018), which makes the test's
behaviour independent of the column's distribution. A value carrying a large
share of the reference (zeros of a zero-inflated column, the levels of a
discrete one, the value of a constant one) gets a bin of its own, so repeated
quantiles never produce empty or ill-defined bins.

Categorical columns get one bin per reference level (the most frequent
`max_levels`) plus one `other` bin for anything else, including levels never
seen in the reference.

Missing values (NaN, None) get code -1: they carry no information about the
distribution of values and are skipped by the tests.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ._encoding import MAX_COUNTED_CUTS, MISSING, cut_codes, text_codes
from .config import DetectorConfig


class NumericBinning:
    """Bins from deduplicated reference quantiles; `cuts` are left-closed."""

    kind = "numeric"

    def __init__(self, cuts: np.ndarray) -> None:
        self.cuts = np.ascontiguousarray(cuts, dtype=np.float64)
        self.n_bins = len(self.cuts) + 1

    @classmethod
    def fit(cls, values: np.ndarray, n_bins: int, min_bin_count: int):
        return cls._fit_sorted(_sorted_values(values), n_bins, min_bin_count)

    @classmethod
    def _fit_sorted(cls, x: np.ndarray, n_bins: int, min_bin_count: int):
        if len(x) == 0:
            return cls(np.empty(0))

        k = int(min(n_bins, max(2, len(x) // min_bin_count)))
        ranks = np.ceil(np.arange(1, k) / k * len(x)).astype(np.int64) - 1
        edges = np.unique(x[ranks])

        # A value holding half a bin's share or more becomes its own bin
        # [v, nextafter(v)), so ties and zero-inflation cannot merge bins.
        left = np.searchsorted(x, edges, side="left")
        right = np.searchsorted(x, edges, side="right")
        atoms = (right - left) >= len(x) / (2 * k)
        cuts = np.concatenate([edges, np.nextafter(edges[atoms], np.inf)])
        return cls(np.unique(cuts))

    def codes(self, values: np.ndarray) -> np.ndarray:
        x = np.asarray(values, dtype=np.float64)
        if x.ndim != 1:
            return self._searched(x)
        out = np.empty(len(x), dtype=np.int32)
        self.write_codes(x, out)
        return out

    def write_codes(self, values: np.ndarray, out: np.ndarray) -> None:
        """`codes` of a 1-D `values` written into the int32 vector `out`."""
        x = np.asarray(values, dtype=np.float64)
        if len(self.cuts) > MAX_COUNTED_CUTS:
            out[:] = self._searched(x)
        else:
            cut_codes(self.cuts, x, out)

    def _searched(self, x: np.ndarray) -> np.ndarray:
        codes = np.searchsorted(self.cuts, x, side="right").astype(np.int32)
        codes[np.isnan(x)] = MISSING
        return codes

    def to_meta(self) -> dict:
        return {"kind": self.kind}


def _sorted_values(values) -> np.ndarray:
    """The values other than NaN as float64, sorted."""
    x = np.asarray(values, dtype=np.float64)
    return np.sort(x[~np.isnan(x)])


class CategoricalBinning:
    """One bin per tracked reference level, then one `other` bin."""

    kind = "categorical"

    def __init__(self, levels: list) -> None:
        self.levels = list(levels)
        self.n_bins = len(self.levels) + 1
        self._lookup = {level: i for i, level in enumerate(self.levels)}
        self._lookup[None] = MISSING
        self._all_text = all(isinstance(level, str) for level in self.levels)
        self._level_points = {}  # NumPy text dtype -> levels as code points

    @classmethod
    def fit(cls, values: np.ndarray, max_levels: int):
        counts = _text_counts(values)
        if counts is None:
            counts = Counter(v for v in _python_values(values) if not _missing(v))
        return cls._from_counts(counts, max_levels)

    @classmethod
    def _from_counts(cls, counts: dict, max_levels: int):
        # Sort by count, then by text, so a refit on the same data is stable.
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], repr(kv[0])))
        return cls([level for level, _ in ranked[:max_levels]])

    def codes(self, values: np.ndarray) -> np.ndarray:
        fast = self._text_codes(values)
        if fast is not None:
            return fast
        get, other = self._lookup.get, len(self.levels)
        # NaN is the one value unequal to itself; None maps to MISSING in
        # the lookup. An inline test keeps this one pass at C-level speed.
        values = _python_values(values)
        codes = [get(v, other) if v == v else MISSING for v in values]  # noqa: PLR0124
        return np.asarray(codes, dtype=np.int32).reshape(-1)

    def write_codes(self, values: np.ndarray, out: np.ndarray) -> None:
        """`codes` of `values` written into the int32 vector `out`."""
        values = np.asarray(values).reshape(-1)
        if self._all_text and values.dtype.kind == "U":
            self._fixed_width_codes(values, out)
        else:
            out[:] = self.codes(values)

    def _text_codes(self, values):
        """Codes of text values through Arrow's hash lookup, or None when
        the values or the levels are not all text (then Python's equality
        decides, as `fit` did)."""
        if not self._all_text:
            return None
        values = np.asarray(values).reshape(-1)
        if values.dtype.kind == "U":
            out = np.empty(len(values), dtype=np.int32)
            self._fixed_width_codes(values, out)
            return out
        import pyarrow as pa  # a tenth of a second: paid on first use only
        import pyarrow.compute as pc

        text = _arrow_text(values)
        if text is None:
            return None
        found = pc.index_in(text, value_set=pa.array(self.levels, pa.string()))
        codes = pc.fill_null(found, len(self.levels)).to_numpy(zero_copy_only=False)
        codes = codes.astype(np.int32)
        codes[text.is_null().to_numpy(zero_copy_only=False)] = MISSING
        return codes

    def _fixed_width_codes(self, values, out):
        """NumPy text (no missing values possible), looked up by its code
        points in a hash table of the levels: no Python object per value."""
        width = values.dtype.itemsize // 4
        if not self.levels or width == 0:
            out[:] = len(self.levels)
            return
        points = np.ascontiguousarray(values).view(np.uint32).reshape(-1, width)
        text_codes(points, self._points_of(values.dtype), len(self.levels), out)

    def _points_of(self, dtype):
        """The levels as rows of code points of the text dtype `dtype`,
        built once per dtype: batches of one column share it."""
        known = self._level_points.get(dtype)
        if known is None:
            width = dtype.itemsize // 4
            levels = np.array(self.levels, dtype=dtype)
            known = levels.view(np.uint32).reshape(-1, width)
            # Levels wider than the batch's values cannot match any of them.
            fits = np.array([len(level) <= width for level in self.levels])
            known = np.where(fits[:, None], known, 0xFFFFFFFF).astype(np.uint32)
            self._level_points[dtype] = known
        return known

    def to_meta(self) -> dict:
        return {"kind": self.kind, "levels": self.levels}


def _arrow_text(values):
    """`values` as an Arrow text array (NaN and None as nulls), or None when
    they are not all text."""
    import pyarrow as pa

    try:
        text = pa.array(np.asarray(values).reshape(-1), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if pa.types.is_string(text.type) or pa.types.is_large_string(text.type):
        return text
    return None


def _text_counts(values) -> dict | None:
    """Counts of the text levels of `values` by Arrow's hash count, or None
    when they are not all text."""
    import pyarrow.compute as pc

    text = _arrow_text(values)
    if text is None:
        return None
    counted = pc.value_counts(text.drop_null())
    return dict(
        zip(
            counted.field("values").to_pylist(),
            counted.field("counts").to_pylist(),
            strict=True,
        )
    )


def _python_values(values) -> list:
    """Plain Python scalars, so numpy and Python levels hash alike."""
    return np.asarray(values).reshape(-1).tolist()


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fit_binning(values, kind: str, config: DetectorConfig):
    """A column's bins fitted on its reference `values`, and the number of
    non-missing reference values in each bin."""
    if kind == "numeric":
        x = _sorted_values(values)
        binning = NumericBinning._fit_sorted(
            x, config.numeric_bins, config.min_bin_count
        )
        # Sorted values need no encoding: a bin's count is the distance
        # between the positions of its two cuts.
        at = np.searchsorted(x, binning.cuts, side="left")
        return binning, np.diff(at, prepend=0, append=len(x))

    binning = CategoricalBinning.fit(values, config.max_levels)
    # Shifted by one, the missing code -1 is counted in a bin of its own
    # that is then dropped: no mask and copy of the codes.
    codes = binning.codes(values) + 1
    return binning, np.bincount(codes, minlength=binning.n_bins + 1)[1:]


def binning_from_meta(meta: dict, cuts: np.ndarray):
    if meta["kind"] == "numeric":
        return NumericBinning(cuts)
    return CategoricalBinning(meta["levels"])
