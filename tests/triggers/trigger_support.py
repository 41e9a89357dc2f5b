"""Set-up helpers: a model to trigger, and each cloud's receiving end."""

import json
import time
from collections.abc import Callable

from sqlalchemy import select

from ml3_platform.db.tables import RetrainMessage
from ml3_platform.settings import Settings
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    ColumnRole,
    DataStructure,
    DataType,
    ModelMetricName,
    StoragePolicy,
    SuggestionType,
    TaskType,
)
from ml3_platform_sdk.models import (
    AWSEventBridgeRetrainTrigger,
    ColumnInfo,
    DataSchema,
)
from standins import AWS_ACCOUNT, AWS_REGION
from support import database_session, unique

SOURCE = "ml3.platform"


def ready_model(client: ML3PlatformClient) -> tuple[str, str]:
    """A project with a regression task and its model: (project id, model id)."""
    project_id = client.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    task_id = client.create_task(
        project_id,
        unique("task"),
        tags=[],
        task_type=TaskType.REGRESSION,
        data_structure=DataStructure.TABULAR,
    )
    columns = [
        ("sample_id", ColumnRole.ID, DataType.STRING),
        ("timestamp", ColumnRole.TIME_ID, DataType.FLOAT),
        ("x", ColumnRole.INPUT, DataType.FLOAT),
        ("y", ColumnRole.TARGET, DataType.FLOAT),
    ]
    schema = DataSchema(
        columns=[
            ColumnInfo(name=name, role=role, is_nullable=False, data_type=kind)
            for name, role, kind in columns
        ]
    )
    client.add_data_schema(task_id, schema)
    model_id = client.create_model(
        task_id, "reg", "v1", ModelMetricName.RMSE, SuggestionType.SAMPLE_WEIGHTS
    )
    return project_id, model_id


class EventBus:
    """An EventBridge bus whose rule copies our events into an SQS queue."""

    def __init__(self, aws: Callable) -> None:
        self.events, self.sqs = aws("events"), aws("sqs")
        self.name = unique("bus")
        self.events.create_event_bus(Name=self.name)
        self.queue_url = self.sqs.create_queue(QueueName=unique("queue"))["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        rule = unique("rule")
        self.events.put_rule(
            Name=rule,
            EventBusName=self.name,
            EventPattern=json.dumps({"source": [SOURCE]}),
        )
        self.events.put_targets(
            Rule=rule, EventBusName=self.name, Targets=[{"Id": "q", "Arn": queue_arn}]
        )

    def received(self) -> list[dict]:
        """Every event delivered to the queue so far (and removes them)."""
        events = []
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            messages = answer.get("Messages", [])
            if not messages:
                return events
            for message in messages:
                events.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


def aws_credentials(client: ML3PlatformClient, aws: Callable, project_id: str):
    """An IAM role trusting the platform, registered as the default."""
    role = unique("role")
    secret = client.create_aws_integration_credentials(
        unique("aws"), True, project_id, f"arn:aws:iam::{AWS_ACCOUNT}:role/{role}"
    )
    aws("iam").create_role(
        RoleName=role, AssumeRolePolicyDocument=secret.generate_trust_policy()
    )
    return secret


def eventbridge_trigger(credentials_id: str, bus: EventBus):
    return AWSEventBridgeRetrainTrigger(
        credentials_id=credentials_id,
        aws_region_name=AWS_REGION,
        event_bus_name=bus.name,
    )


def sent_markers(settings: Settings, model_id: str) -> list[RetrainMessage]:
    with database_session(settings) as session:
        rows = session.scalars(
            select(RetrainMessage).where(RetrainMessage.model_id == model_id)
        )
        return list(rows)


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
