"""What the demo shows: text blocks built from the platform's answers.

Every function returns text; :mod:`ml3_platform.demo.run` decides where it
goes.
"""

import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from tabulate import tabulate

from ml3_platform.demo.flights import NEW_YORK, PROVENANCE
from ml3_platform_sdk.enums import DetectionEventType
from ml3_platform_sdk.models import DetectionEvent, Job, Model, Task

_BATCH_ROW = "{:<11} {:>5} {:>5} {:>5}  | {:<8} {:<8} {:<8} | {:<8} {:<8} {:<8}"


def header(sizes: tuple[int, int, int], accuracy: float, on_time: float) -> str:
    """What the demo is about: the question, the data, the split, the model."""
    reference, production, control = sizes
    facts = {
        "data": PROVENANCE,
        "split": f"reference: {reference:,} flights of January-March; "
        f"production: {production:,} flights of April-December, sent weekly; "
        f"control: {control:,} held-out January-March flights, sent alongside.",
        "model": f"gradient-boosted trees, {accuracy:.1%} accurate on held-out "
        f"winter flights (always 'on time': {on_time:.1%}).",
    }
    lines = [
        "ML3 Platform demo: will a New York departure arrive over 15 minutes late?",
        "",
    ]
    for label, text in facts.items():
        lines.append(
            textwrap.fill(
                text,
                width=88,
                initial_indent=f"{label:<7}",
                subsequent_indent=" " * 7,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines) + "\n"


def batch_header() -> str:
    statuses = ("input", "concept", "model")
    titles = _BATCH_ROW.format("week of", "rows", "late", "acc", *statuses, *statuses)
    bar = titles.index("|")
    groups = f"{'':<{bar}}| {'monitored task':<26} | control"
    return f"{groups}\n{titles.rstrip()}"


def batch_line(
    start: date,
    rows: int,
    late_rate: float,
    accuracy: float,
    real: tuple[Task, Model],
    control: tuple[Task, Model],
) -> str:
    """One line per batch: the batch's facts, then both tasks' statuses."""
    line = _BATCH_ROW.format(
        start.isoformat(),
        rows,
        f"{late_rate:.0%}",
        f"{accuracy:.0%}",
        *_statuses(*real),
        *_statuses(*control),
    )
    return line.rstrip()


def _statuses(task: Task, model: Model) -> tuple[str, str, str]:
    return (
        _word(task.input_status),
        _word(task.concept_status),
        _word(model.status),
    )


def _word(status: object) -> str:
    # "not_initialized" is the longest status and says only "not yet".
    text = str(status)
    return "-" if text == "not_initialized" else text


def status_table(tasks: Sequence[tuple[str, Task, Sequence[Model]]]) -> str:
    """Final statuses: one row per model version of each task."""
    rows = []
    for label, task, models in tasks:
        for model in models:
            rows.append(
                (
                    label,
                    str(task.input_status),
                    str(task.concept_status),
                    f"{model.name}@{model.version}",
                    str(model.prediction_status),
                    str(model.status),
                )
            )
    headers = ("task", "input", "concept", "model", "prediction", "error")
    return tabulate(rows, headers=headers)


def events_table(events: Iterable[DetectionEvent]) -> str:
    """One row per signal: its first drift and how many events it raised.

    Signals are ordered by their first drift (New York time); those that only
    warned come last. "others" counts drift_off and warning events.
    """
    by_signal: dict[tuple[str, str], list[DetectionEvent]] = {}
    for event in sorted(events, key=lambda event: event.sample_timestamp):
        key = (str(event.monitoring_target), _what(event))
        by_signal.setdefault(key, []).append(event)
    if not by_signal:
        return "no drift events, no warnings"

    rows = []
    for (target, signal), raised in by_signal.items():
        drifts = [e for e in raised if e.event_type == DetectionEventType.DRIFT_ON]
        first = drifts[0] if drifts else None
        rows.append(
            (
                target,
                signal,
                _new_york(first.sample_timestamp) if first else "-",
                first.sample_id if first else "-",
                str(first.severity_type) if first else "-",
                len(drifts),
                len(raised) - len(drifts),
            )
        )
    rows.sort(key=lambda row: (row[2] == "-", row[2]))
    headers = ("target", "signal", "first drift", "sample id", "severity")
    headers += ("drifts", "others")
    table = tabulate(rows, headers=headers)
    if not any(row[5] for row in rows):
        table = f"no drift events\n{table}"
    return table


def drift_episodes(events: Iterable[DetectionEvent], target: str) -> str:
    """The target's drift periods, ``start to end (severity)``, one a line."""
    episodes = []
    for event in sorted(events, key=lambda event: event.sample_timestamp):
        if str(event.monitoring_target) != target:
            continue
        when = _new_york(event.sample_timestamp)
        if event.event_type == DetectionEventType.DRIFT_ON:
            episodes.append([when, "...", str(event.severity_type)])
        elif event.event_type == DetectionEventType.DRIFT_OFF and episodes:
            episodes[-1][1] = when
    lines = [f"  {start} to {end} ({severity})" for start, end, severity in episodes]
    return "\n".join(lines) or "  none"


def _what(event: DetectionEvent) -> str:
    if event.specification:
        return event.specification
    if event.model_name:
        return f"{event.model_name}@{event.model_version}"
    joint = {"input": "all inputs", "concept": "inputs and target"}
    return joint.get(str(event.monitoring_target), "")


def _new_york(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=NEW_YORK).strftime("%Y-%m-%d %H:%M")


def jobs_table(jobs: Iterable[Job]) -> str:
    """How many jobs of each group ended in each status."""
    counts = Counter((job.task_name, job.job_group, job.status) for job in jobs)
    rows = [(*key, count) for key, count in sorted(counts.items())]
    return tabulate(rows, headers=("task", "job", "status", "count"))
