"""The retrain request, the one message every trigger sends.

Each provider carries the same fields in its own envelope: EventBridge's
``Source``/``DetailType``/``Detail``, a Pub/Sub message's attributes and
data, an Event Grid event's ``eventType``/``subject``/``data``.
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

# Who sends and what is asked. EventBridge reserves sources starting "aws.".
SOURCE = "ml3.platform"
EVENT_TYPE = "ml3.retrain_request"
DETAIL_TYPE = "ML3 Retrain Request"
SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class RetrainRequest:
    """Ask the customer's pipeline to retrain ``model_id``.

    ``event_id`` is the detection event whose rule fired the trigger (None
    when a user asked); ``test`` marks ``test_retrain_trigger`` messages, which
    a pipeline should acknowledge without retraining. ``idempotency_key`` is
    the same for every send of one request, so a receiver can drop repeats.
    """

    model_id: str
    model_name: str
    model_version: str | None
    task_id: str
    project_id: str
    idempotency_key: str
    event_id: str | None = None
    test: bool = False
    requested_at: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds")
    )

    def detail(self) -> dict:
        """The message body, the same on every provider."""
        return {
            "source": SOURCE,
            "type": EVENT_TYPE,
            "schema_version": SCHEMA_VERSION,
            **asdict(self),
        }

    def detail_json(self) -> str:
        return json.dumps(self.detail(), separators=(",", ":"))

    def attributes(self) -> dict[str, str]:
        """Text-only fields for envelopes that filter on them (Pub/Sub)."""
        attributes = {
            "source": SOURCE,
            "type": EVENT_TYPE,
            "model_id": self.model_id,
            "idempotency_key": self.idempotency_key,
            "test": "true" if self.test else "false",
        }
        if self.event_id:
            attributes["event_id"] = self.event_id
        return attributes
