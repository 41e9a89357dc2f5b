"""Drift scores over time, per monitor, for plotting against thresholds.

Every monitor run stores its statistic at the end of the batch with the two
thresholds it is compared to: ``DriftScore`` rows for task and model
monitors (by ``MonitorState.id``), ``KpiDriftScore`` rows for KPIs.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import DriftScore, KpiDriftScore, MonitorState


@dataclass(frozen=True)
class ScorePoint:
    sample_ts: float
    score: float
    warning_threshold: float
    drift_threshold: float


def monitor_scores(session: Session, monitor_id: str) -> list[ScorePoint]:
    """One monitor's scores, in sample-time order."""
    rows = session.scalars(
        select(DriftScore)
        .where(DriftScore.monitor_id == monitor_id)
        .order_by(DriftScore.sample_ts, DriftScore.id)
    )
    return [_point(row) for row in rows]


def task_monitors(session: Session, task_id: str) -> list[MonitorState]:
    """The task's monitors: (model_version_id, target, specification)."""
    return list(
        session.scalars(
            select(MonitorState)
            .where(MonitorState.task_id == task_id)
            .order_by(
                MonitorState.model_version_id,
                MonitorState.target,
                MonitorState.specification,
            )
        )
    )


def kpi_scores(session: Session, kpi_id: str) -> list[ScorePoint]:
    rows = session.scalars(
        select(KpiDriftScore)
        .where(KpiDriftScore.kpi_id == kpi_id)
        .order_by(KpiDriftScore.sample_ts, KpiDriftScore.id)
    )
    return [_point(row) for row in rows]


def _point(row) -> ScorePoint:
    return ScorePoint(
        row.sample_ts, row.score, row.warning_threshold, row.drift_threshold
    )
