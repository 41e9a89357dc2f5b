"""The concept monitor: is P(Y | X) still the reference's?

Method. On the reference, a linear model of the target given the input
signals (`signals.py`) is fitted: ridge regression for a numeric target,
multinomial logistic regression for classes, one logistic regression per
label for multilabel targets. Each labelled sample is then reduced to one
number per output that, when P(Y | X) is the model's, has the same
distribution whatever the inputs are:

- regression: the residual y − ŷ(x). With a well-specified homoscedastic
  model its law is the noise's at every x.
- classes: the randomised probability integral transform (PIT) of y under
  the predicted distribution, u = F(y⁻ | x) + v·P(y | x) with v uniform on
  [0, 1) and the classes in the schema's order. If y ~ P(· | x), u is
  uniform on [0, 1] for every x (Brockwell, "Universal residuals: a
  multivariate transformation", Stat. Probab. Lett. 2007; Czado, Gneiting
  and Held, "Predictive model assessment for count data", Biometrics 2009;
  for continuous forecasts Diebold, Gunther and Tay, "Evaluating density
  forecasts", Int. Econ. Rev. 1998). v comes from a hash of the sample id,
  so a sample always gets the same u and the events do not depend on how
  the stream is cut.
- multilabel: one PIT per label, of that label's 0/1 value.

These per-sample residual streams go to an engine `Monitor` whose reference
is the reference's out-of-fold residuals (5-fold cross-fitting: each
reference sample is scored by a model that did not see it, so the
reference residuals have the spread production residuals will have).
Concept drift, a change of P(Y | X), moves the residuals' law and is
detected; pure covariate shift, a change of P(X) only, leaves it as it is
when the model is well specified, and is left to the input monitor.
What the residuals cannot see: a change of P(Y | X) that keeps the law of
the PIT (e.g. swapping two classes' roles in regions of equal probability);
a misspecified model under covariate shift may also flag it, as its error
truly changes.
"""

import numpy as np
import pyarrow as pa
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold

from ml3_platform.ingest.ids import hash_ids
from ml3_platform.monitoring import ColumnSpec, DetectorConfig, Monitor
from ml3_platform.pipeline.signals import Planned, SignalPlan, pack, unpack, vectors
from ml3_platform_sdk.enums import TaskType
from ml3_platform_sdk.models import ColumnInfo

# Fewer labelled reference samples than this give no concept monitor: the
# out-of-fold residuals would not fill the engine's bins.
MIN_LABELLED = 100
_FOLDS = 5
MAX_FIT_ROWS = 20_000
_MAX_LEVELS = 50
# Logit of a class the reference never shows: probability about 1e-13.
_ABSENT_LOGIT = -30.0


class ConceptModel:
    """A fitted linear model as plain arrays (no pickle in monitor states)."""

    def __init__(self, header: dict, arrays: dict[str, np.ndarray]) -> None:
        self.header = header  # task_type, outputs, numeric, levels
        self.arrays = arrays  # mean, scale, and weights_<i>, bias_<i> per output

    # --- design matrix ---------------------------------------------------

    @classmethod
    def design_of(cls, plan: SignalPlan, arrays: dict[str, np.ndarray]) -> dict:
        """Standardisation and one-hot levels, learnt from reference arrays."""
        numeric = [s.name for s in plan.signals if s.kind == "numeric"]
        values = np.column_stack([arrays[n] for n in numeric]) if numeric else None
        levels = {}
        for signal in plan.signals:
            if signal.kind == "categorical":
                found = [v for v in arrays[signal.name] if v is not None]
                counts = dict(zip(*np.unique(np.array(found, dtype=str),
                                             return_counts=True)))  # fmt: skip
                top = sorted(counts, key=lambda v: (-counts[v], v))[:_MAX_LEVELS]
                levels[signal.name] = top
        mean = np.nanmean(values, axis=0) if values is not None else np.zeros(0)
        scale = np.nanstd(values, axis=0) if values is not None else np.zeros(0)
        mean, scale = np.nan_to_num(mean), np.where(scale > 0, scale, 1.0)
        return {"numeric": numeric, "levels": levels, "mean": mean, "scale": scale}

    @staticmethod
    def matrix(design: dict, arrays: dict[str, np.ndarray]) -> np.ndarray:
        parts = []
        if design["numeric"]:
            values = np.column_stack([arrays[n] for n in design["numeric"]])
            # Missing values sit at the reference mean.
            parts.append(np.nan_to_num((values - design["mean"]) / design["scale"]))
        for name, levels in design["levels"].items():
            column = np.array(
                ["" if v is None else str(v) for v in arrays[name]], dtype=str
            )
            parts.append(column[:, None] == np.array(levels, dtype=str)[None, :])
        n_rows = len(next(iter(arrays.values())))
        if not parts:
            return np.zeros((n_rows, 0))
        return np.column_stack(parts).astype(np.float64)


def outputs_of(task_type: TaskType, target: ColumnInfo) -> list[str]:
    """The concept monitor's signals: one per label for multilabel."""
    if task_type == TaskType.REGRESSION:
        return ["residual"]
    if task_type == TaskType.CLASSIFICATION_MULTILABEL:
        return [f"pit:{label}" for label in target.classes_names]
    return ["pit"]


def fit_concept(
    plan: SignalPlan,
    reference: pa.Table,
    ids_name: str,
    target: ColumnInfo,
    task_type: TaskType,
    config: DetectorConfig,
) -> Planned | None:
    """The concept monitor fitted on ``reference``; None without enough
    labelled rows."""
    labelled = reference.filter(reference.column(target.name).is_valid())
    if labelled.num_rows < MIN_LABELLED:
        return None
    if labelled.num_rows > MAX_FIT_ROWS:
        # Evenly spaced rows: a linear model's coefficients and the
        # residuals' quantiles are already precise at this size, and the
        # fit stays a few seconds on large references.
        rows = np.linspace(0, labelled.num_rows - 1, MAX_FIT_ROWS).astype(np.int64)
        labelled = labelled.take(rows)
    arrays = plan.arrays(labelled)
    design = ConceptModel.design_of(plan, arrays)
    x = ConceptModel.matrix(design, arrays)
    y = _outcomes(labelled.column(target.name), target, task_type)
    ids = labelled.column(ids_name)

    folds = KFold(_FOLDS, shuffle=True, random_state=0).split(x)
    names = outputs_of(task_type, target)
    reference_signals = {name: np.empty(len(x)) for name in names}
    for train, test in folds:
        weights = _fit(x[train], y[train], task_type, target)
        fold = _residuals(x[test], y[test], weights, task_type, ids.take(test))
        for name, values in zip(reference_signals, fold, strict=True):
            reference_signals[name][test] = values

    weights = _fit(x, y, task_type, target)
    specs = [ColumnSpec(name, "numeric") for name in reference_signals]
    monitor = Monitor.fit(reference_signals, specs, config)
    header = {
        "task_type": task_type.value,
        "numeric": design["numeric"],
        "levels": design["levels"],
        "outputs": list(reference_signals),
    }
    model_arrays = {"mean": design["mean"], "scale": design["scale"]}
    for i, (coef, bias) in enumerate(weights):
        model_arrays[f"weights_{i}"], model_arrays[f"bias_{i}"] = coef, bias
    extras = {"plan": plan.to_bytes(), "model": pack(header, model_arrays)}
    return Planned(monitor, extras)


def concept_signals(
    planned: Planned, inputs: pa.Table, target: pa.Array, ids: pa.Array,
    target_info: ColumnInfo,
) -> dict[str, np.ndarray]:
    """The residual streams of labelled production rows, in their order."""
    plan = SignalPlan.from_bytes(planned.extras["plan"])
    header, model_arrays = unpack(planned.extras["model"])
    design = {**header, "mean": model_arrays["mean"], "scale": model_arrays["scale"]}
    x = ConceptModel.matrix(design, plan.arrays(inputs))
    task_type = TaskType(header["task_type"])
    y = _outcomes(target, target_info, task_type)
    n_outputs = sum(1 for name in model_arrays if name.startswith("weights_"))
    weights = [
        (model_arrays[f"weights_{i}"], model_arrays[f"bias_{i}"])
        for i in range(n_outputs)
    ]
    values = _residuals(x, y, weights, task_type, ids)
    return dict(zip(header["outputs"], values, strict=True))


def _outcomes(column, target: ColumnInfo, task_type: TaskType) -> np.ndarray:
    """Targets as numbers: values, class indices, or 0/1 label matrices."""
    if task_type == TaskType.REGRESSION:
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)
    if task_type == TaskType.CLASSIFICATION_MULTILABEL:
        return (vectors(column) >= 0.5).astype(np.int64)
    classes = [_text(v) for v in target.possible_values]
    values = [str(v) for v in column.to_pylist()]
    return np.array([classes.index(v) for v in values], dtype=np.int64)


def _text(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _fit(x, y, task_type: TaskType, target: ColumnInfo) -> list[tuple]:
    """(coefficients, intercepts) per output."""
    if task_type == TaskType.REGRESSION:
        ridge = Ridge(alpha=1.0).fit(x, y)
        return [(ridge.coef_[None, :], np.array([ridge.intercept_]))]
    if task_type == TaskType.CLASSIFICATION_MULTILABEL:
        return [_logistic(x, y[:, j], 2) for j in range(y.shape[1])]
    return [_logistic(x, y, len(target.possible_values))]


def _logistic(x: np.ndarray, codes: np.ndarray, n_classes: int) -> tuple:
    """Softmax weights over all ``n_classes``; classes absent from ``codes``
    get a negligible probability."""
    coef = np.zeros((n_classes, x.shape[1]))
    bias = np.full(n_classes, _ABSENT_LOGIT)
    present = np.unique(codes)
    if len(present) == 1:
        bias[present[0]] = 0.0
        return coef, bias
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, codes)
    if len(present) == 2:
        coef[present[1]], bias[present[0]] = model.coef_[0], 0.0
        bias[present[1]] = model.intercept_[0]
    else:
        coef[present], bias[present] = model.coef_, model.intercept_
    return coef, bias


def _residuals(x, y, weights, task_type: TaskType, ids) -> list[np.ndarray]:
    if task_type == TaskType.REGRESSION:
        (coef, bias), = weights
        return [y - (x @ coef[0] + bias[0])]
    v = _uniforms(ids)
    if task_type == TaskType.CLASSIFICATION_MULTILABEL:
        # A different uniform per label, each still uniform on [0, 1).
        shifts = (v[:, None] + np.arange(len(weights)) * 0.6180339887498949) % 1.0
        return [
            _pit(x, y[:, j], coef, bias, shifts[:, j])
            for j, (coef, bias) in enumerate(weights)
        ]
    (coef, bias), = weights
    return [_pit(x, y, coef, bias, v)]


def _pit(x, codes, coef, bias, v) -> np.ndarray:
    logits = x @ coef.T + bias
    logits -= logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    below = np.cumsum(probabilities, axis=1) - probabilities
    rows = np.arange(len(codes))
    return below[rows, codes] + v * probabilities[rows, codes]


def _uniforms(ids) -> np.ndarray:
    """A fixed uniform number in [0, 1) per sample id."""
    hashes = hash_ids(ids)
    return (hashes >> np.uint64(11)).astype(np.float64) * 2.0**-53
