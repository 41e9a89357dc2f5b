"""What a notification says, and how each receiver wants it shaped.

Every message names the task, the monitoring target and metric, the model,
the severity and the sample at which the change was decided, and carries a
link to the event and the delivery's idempotency key. Shapes follow each
service's incoming-webhook documentation: Slack (``text`` plus Block Kit
``blocks``, ``channel``), Discord (``content`` plus one embed), Microsoft
Teams (an Office 365 connector ``MessageCard``).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

from ml3_platform.db.tables import DetectionEvent, Task

HEADLINES = {
    "drift_on": "Drift detected",
    "drift_off": "Drift is over",
    "warning_on": "Warning raised",
    "warning_off": "Warning is over",
}
# Red for drift, amber for warnings, green when one ends.
COLOURS = {
    "drift_on": 0xD70000,
    "warning_on": 0xF2A900,
    "drift_off": 0x2E8540,
    "warning_off": 0x2E8540,
}


@dataclass(frozen=True)
class Alert:
    """One detection event, described for people."""

    event_id: str
    event_type: str
    task_id: str
    task_name: str
    target: str
    metric: str | None
    specification: str | None
    model: str | None
    severity: str | None
    sample_id: str
    sample_time: str
    link: str
    idempotency_key: str

    @classmethod
    def of(
        cls, event: DetectionEvent, task: Task, public_url: str, key: str
    ) -> "Alert":
        model = None
        if event.model_name is not None:
            model = f"{event.model_name} {event.model_version or ''}".strip()
        moment = datetime.fromtimestamp(event.sample_ts, UTC)
        return cls(
            event_id=event.id,
            event_type=event.event_type,
            task_id=task.id,
            task_name=task.name,
            target=event.target,
            metric=event.metric,
            specification=event.specification or None,
            model=model,
            severity=event.severity,
            sample_id=event.sample_id,
            sample_time=moment.isoformat(),
            link=event_link(public_url, task.id, event.id),
            idempotency_key=key,
        )

    @property
    def title(self) -> str:
        what = self.target
        if self.specification:
            what = f"{self.target} ({self.specification})"
        return f"{HEADLINES[self.event_type]}: {what} of task '{self.task_name}'"

    def facts(self) -> list[tuple[str, str]]:
        metric = self.metric or "-"
        if self.specification:
            metric = f"{metric}: {self.specification}"
        return [
            ("Task", f"{self.task_name} ({self.task_id})"),
            ("Event", self.event_type),
            ("Target", self.target),
            ("Metric", metric),
            ("Model", self.model or "-"),
            ("Severity", self.severity or "-"),
            ("Sample", f"{self.sample_id} at {self.sample_time}"),
            ("Event id", self.event_id),
        ]

    def plain_text(self) -> str:
        lines = [self.title, ""]
        lines += [f"{name}: {value}" for name, value in self.facts()]
        lines += ["", f"Details: {self.link}"]
        return "\n".join(lines)


def event_link(public_url: str, task_id: str, event_id: str) -> str:
    """Where a user follows an event: the task's events, at this one."""
    base = public_url.rstrip("/")
    return f"{base}/sdk/v1/task/{task_id}/sdk-detection-events#{event_id}"


def slack_payload(alert: Alert, channel: str) -> dict:
    fields = [
        {"type": "mrkdwn", "text": f"*{name}*\n{value}"}
        for name, value in alert.facts()
    ]
    return {
        "channel": channel,
        "text": alert.plain_text(),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": alert.title}},
            {"type": "section", "fields": fields},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{alert.link}|Open the event>"},
            },
            {
                "type": "context",
                "elements": [{"type": "plain_text", "text": alert.idempotency_key}],
            },
        ],
    }


def discord_payload(alert: Alert) -> dict:
    return {
        "content": alert.title,
        "embeds": [
            {
                "title": alert.title,
                "url": alert.link,
                "color": COLOURS[alert.event_type],
                "fields": [
                    {"name": name, "value": value, "inline": True}
                    for name, value in alert.facts()
                ],
                "footer": {"text": alert.idempotency_key},
            }
        ],
    }


def teams_payload(alert: Alert) -> dict:
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": alert.title,
        "themeColor": f"{COLOURS[alert.event_type]:06X}",
        "title": alert.title,
        "sections": [
            {
                "facts": [
                    {"name": name, "value": value} for name, value in alert.facts()
                ]
            },
            {"text": f"Idempotency key: {alert.idempotency_key}"},
        ],
        "potentialAction": [
            {
                "@type": "OpenUri",
                "name": "Open the event",
                "targets": [{"os": "default", "uri": alert.link}],
            }
        ],
    }


def email_message(alert: Alert, sender: str, address: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[ML3 Platform] {alert.title}"
    message["From"] = sender
    message["To"] = address
    # The same id on every attempt lets mail systems drop a repeat.
    message["Message-ID"] = f"<{alert.idempotency_key}@ml3-platform>"
    message["X-ML3-Idempotency-Key"] = alert.idempotency_key
    message.set_content(alert.plain_text())
    return message
