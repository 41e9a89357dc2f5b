"""Call every public method of an ``ml3_platform_sdk`` client on one server.

Runs with whichever ``ml3_platform_sdk`` the interpreter imports: ours, or
the published 0.0.15 client in a virtual environment of its own (which has
only the standard library, pydantic, requests and tabulate beside it, so
this file uses nothing else). It writes its data files with ``csv`` and
``random``, plays one monitoring story from company set-up to a new model
version, and prints one line per method: ``ok NAME`` or ``FAILED NAME: why``.
It exits 1 if any method failed or was never called.

    python every_method.py --url http://127.0.0.1:8000 --api-key KEY \
        --workdir /tmp/x --webhook http://127.0.0.1:9000/hook \
        [--role-arn arn:aws:iam::123456789012:role/ml3]
"""

import argparse
import csv
import json
import random
import sys
import traceback
from pathlib import Path

from ml3_platform_sdk import enums, models
from ml3_platform_sdk.client import ML3PlatformClient

# The 75 methods of the reference (reference/client-api.md), in its order.
METHODS = """
create_company get_company update_company create_project get_projects
get_project update_project show_projects create_task update_task get_tasks
get_task show_tasks create_model get_models get_model
get_model_by_name_and_version show_models get_suggestions_info
show_suggestions set_model_suggestion_type
update_model_version_by_suggestion_id update_model_version_from_time_range
add_data_schema get_data_schema show_data_schema add_historical_data
add_target_data set_model_reference add_production_data create_kpi get_kpi
get_kpis show_kpis add_kpi_data compute_retraining_report
get_retraining_report get_jobs get_job show_jobs get_detection_events
get_detection_event_rules get_detection_event_rule
create_detection_event_rule update_detection_event_rule
delete_detection_event_rule wait_job_completion create_company_user
get_company_users change_user_company_role show_company_users
get_user_projects show_user_projects add_user_project_role
delete_project_role get_api_keys show_api_keys create_api_key delete_api_key
get_user_api_keys show_user_api_keys create_user_api_key
delete_user_api_key change_company_owner delete_company_user
get_integration_credentials get_all_project_integration_credentials
delete_integration_credentials set_integration_credentials_as_default
create_aws_integration_credentials create_gcp_integration_credentials
create_azure_integration_credentials set_retrain_trigger
test_retrain_trigger retrain_model
""".split()

DAY = 86_400.0
HISTORY_START = 1_672_531_200.0  # 2023-01-01 UTC
PRODUCTION_START = HISTORY_START + 60 * DAY
MODEL = "price"
INPUT_HEADER = ["sample_id", "timestamp", "x1", "x2", "color"]
TARGET_HEADER = ["sample_id", "timestamp", "y"]
PREDICTION_HEADER = ["sample_id", "timestamp", f"{MODEL}@v1"]
GCP_KEY = {
    "type": "service_account",
    "project_id": "demo",
    "private_key_id": "0",
    "private_key": "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
    "client_email": "ml3@demo.iam.gserviceaccount.com",
    "client_id": "1",
    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    "token_uri": "https://oauth2.googleapis.com/token",
    "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
    "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/ml3",
    "universe_domain": "googleapis.com",
}
# As the Azure CLI prints a service principal (protocol.md, method 72).
AZURE_PRINCIPAL = {
    "appId": "00000000-0000-0000-0000-000000000001",
    "displayName": "ml3-retrain",
    "password": "secret",
    "tenant": "00000000-0000-0000-0000-000000000003",
}


class Ledger:
    """Which methods ran, and how each ended."""

    def __init__(self) -> None:
        self.outcomes: dict[str, str | None] = {}

    def call(self, client: ML3PlatformClient, method: str, *args, **kwargs):
        try:
            result = getattr(client, method)(*args, **kwargs)
        except Exception as error:  # every failure is reported, none hidden
            self.fail(method, describe(error))
            traceback.print_exc(file=sys.stderr)
            return None
        self.outcomes.setdefault(method, None)
        return result

    def fail(self, method: str, why: str) -> None:
        """A method fails if any of its calls fails; the first reason stays."""
        if self.outcomes.get(method) is None:
            self.outcomes[method] = why

    def report(self) -> int:
        for name in METHODS:
            if name not in self.outcomes:
                print(f"FAILED {name}: never called")
            elif self.outcomes[name] is None:
                print(f"ok {name}")
            else:
                print(f"FAILED {name}: {self.outcomes[name]}")
        passed = sum(self.outcomes.get(name, "") is None for name in METHODS)
        print(f"{passed} passed, {len(METHODS) - passed} failed")
        return 0 if passed == len(METHODS) else 1


def describe(error: Exception) -> str:
    """An error in one line, with the platform's code and message if any."""
    code = getattr(error, "error_code", None)
    message = getattr(error, "error_message", None)
    if code or message:
        return f"{type(error).__name__}: {code}: {message}"
    first = str(error).splitlines()
    return f"{type(error).__name__}: {first[0] if first else ''}"


def write_csv(path: Path, header: list[str], rows: list[list]) -> models.TabularData:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    source = models.LocalDataSource(
        file_path=str(path), file_type=enums.FileType.CSV, is_folder=False
    )
    return models.TabularData(source=source)


def samples(prefix: str, n: int, start: float, drifted: bool, rng: random.Random):
    """Inputs, targets and predictions of a regression task.

    Before the drift ``y = 2 x1 - x2``; after it ``x1`` moves up by two
    standard deviations and the relation flips to ``y = -2 x1 - x2``, so the
    inputs, the predictions and the model's error all change.
    """
    inputs, target, predictions = [], [], []
    for i in range(n):
        sample_id, time = f"{prefix}{i}", start + 60.0 * i
        x1 = rng.gauss(2.0 if drifted else 0.0, 1.0)
        x2 = rng.gauss(0.0, 1.0)
        color = rng.choice(["red", "green", "blue"])
        y = (-2.0 if drifted else 2.0) * x1 - x2 + rng.gauss(0.0, 0.1)
        inputs.append([sample_id, time, x1, x2, color])
        target.append([sample_id, time, y])
        predictions.append([sample_id, time, 2.0 * x1 - x2])
    return inputs, target, predictions


class Story:
    def __init__(self, client, ledger, workdir: Path, options) -> None:
        self.client, self.ledger, self.workdir = client, ledger, workdir
        self.options = options
        self.rng = random.Random(7)
        self.files = 0

    def call(self, method: str, *args, **kwargs):
        return self.ledger.call(self.client, method, *args, **kwargs)

    def expect(self, method: str, holds: bool, why: str) -> None:
        """Fail ``method`` if its answer is not what the story implies."""
        if not holds:
            self.ledger.fail(method, f"wrong answer: {why}")

    def wait(self, job_id: str | None, submitted_by: str) -> None:
        """Wait for a job; a job that ends in error fails its submitter."""
        if job_id is None:
            return
        self.call("wait_job_completion", job_id)
        job = self.call("get_job", job_id)
        status = getattr(job, "status", None)
        status = getattr(status, "value", status)
        if status != "completed":
            error = getattr(job, "error", None)
            self.ledger.fail(submitted_by, f"its job {job_id} is {status}: {error}")

    def table(self, header: list[str], rows: list[list]) -> models.TabularData:
        self.files += 1
        return write_csv(self.workdir / f"file{self.files}.csv", header, rows)

    def run(self) -> None:
        self.call("create_company", name="Driver Inc", address="1 Loop", vat="IT1")
        self.call("get_company")
        self.call("update_company", name="Driver Inc.", address=None, vat=None)
        company = self.call("get_company")
        self.expect(
            "update_company",
            getattr(company, "name", None) == "Driver Inc.",
            f"the company is now {company}",
        )
        self.project_id = self.call(
            "create_project", "driver", "every method", enums.StoragePolicy.MLCUBE
        )
        self.call("get_projects")
        self.call("get_project", self.project_id)
        self.call(
            "update_project", self.project_id, "driver", "every method, again", None
        )
        self.call("show_projects")
        self.task()
        self.data()
        self.kpis()
        self.rules()
        self.integrations()
        self.retraining()
        self.people()

    def task(self) -> None:
        cost = models.RegressionTaskCostInfo(
            currency=enums.Currency.EURO,
            overestimation_cost=1.0,
            underestimation_cost=2.0,
        )
        self.task_id = self.call(
            "create_task",
            self.project_id,
            "prices",
            ["driver"],
            enums.TaskType.REGRESSION,
            enums.DataStructure.TABULAR,
            cost_info=cost,
        )
        self.call("update_task", self.task_id, name="prices", tags=["driver", "x"])
        self.call("get_tasks", self.project_id)
        self.call("get_task", self.task_id)
        self.call("show_tasks", self.project_id)

        def column(name, role, data_type, **extra):
            return models.ColumnInfo(
                name=name, role=role, is_nullable=False, data_type=data_type, **extra
            )

        schema = models.DataSchema(
            columns=[
                column("sample_id", enums.ColumnRole.ID, enums.DataType.STRING),
                column("timestamp", enums.ColumnRole.TIME_ID, enums.DataType.FLOAT),
                column("x1", enums.ColumnRole.INPUT, enums.DataType.FLOAT),
                column("x2", enums.ColumnRole.INPUT, enums.DataType.FLOAT),
                column(
                    "color",
                    enums.ColumnRole.INPUT,
                    enums.DataType.CATEGORICAL,
                    possible_values=["red", "green", "blue"],
                ),
                column("y", enums.ColumnRole.TARGET, enums.DataType.FLOAT),
            ]
        )
        self.call("add_data_schema", self.task_id, schema)
        self.call("get_data_schema", self.task_id)
        self.call("show_data_schema", self.task_id)

        self.model_id = self.call(
            "create_model",
            self.task_id,
            MODEL,
            "v1",
            enums.ModelMetricName.RMSE,
            enums.SuggestionType.SAMPLE_WEIGHTS,
            retraining_cost=10.0,
        )
        self.call("get_models", self.task_id)
        self.call("get_model", self.model_id)
        found = self.call("get_model_by_name_and_version", self.task_id, MODEL, "v1")
        self.expect(
            "get_model_by_name_and_version",
            getattr(found, "model_id", None) == self.model_id,
            f"found {found}",
        )
        self.call("show_models", self.task_id)

    def data(self) -> None:
        inputs, target, _ = samples("h", 2000, HISTORY_START, False, self.rng)
        job = self.call(
            "add_historical_data",
            self.task_id,
            self.table(INPUT_HEADER, inputs),
            self.table(TARGET_HEADER, target),
        )
        self.wait(job, "add_historical_data")
        job = self.call(
            "set_model_reference", self.model_id, HISTORY_START, PRODUCTION_START
        )
        self.wait(job, "set_model_reference")

        # Production: first as the reference was, then drifted; the target
        # of the last batch arrives later, through add_target_data.
        start = PRODUCTION_START
        for n, drifted in ((1500, False), (3000, True), (1500, True)):
            inputs, target, predictions = samples(
                f"p{start:.0f}-", n, start, drifted, self.rng
            )
            late = drifted and n == 1500
            input_file = self.table(INPUT_HEADER, inputs)
            target_file = None if late else self.table(TARGET_HEADER, target)
            prediction_file = self.table(PREDICTION_HEADER, predictions)
            job = self.call(
                "add_production_data",
                self.task_id,
                inputs=input_file,
                target=target_file,
                predictions=[(self.model_id, prediction_file)],
            )
            self.wait(job, "add_production_data")
            if late:
                job = self.call(
                    "add_target_data",
                    self.task_id,
                    self.table(TARGET_HEADER, target),
                )
                self.wait(job, "add_target_data")
            start += 60.0 * n
        self.production_end = start

        jobs = self.call("get_jobs", project_id=self.project_id) or []
        self.expect("get_jobs", len(jobs) >= 6, f"{len(jobs)} jobs listed")
        if jobs:
            job = self.call("get_job", jobs[0].job_id)
            self.expect(
                "get_job",
                getattr(job, "job_id", None) == jobs[0].job_id,
                f"asked for {jobs[0].job_id}, got {job}",
            )
        self.call("show_jobs")
        events = self.call("get_detection_events", self.task_id) or []
        kinds = {getattr(e.event_type, "value", e.event_type) for e in events}
        self.expect(
            "get_detection_events", "drift_on" in kinds, f"event types {kinds}"
        )

    def kpis(self) -> None:
        kpi_id = self.call("create_kpi", self.project_id, "revenue")
        self.call("get_kpi", kpi_id)
        self.call("get_kpis", self.project_id)
        self.call("show_kpis", self.project_id)
        rows = [
            [HISTORY_START + 3600.0 * i, 100.0 + self.rng.gauss(0.0, 5.0)]
            for i in range(400)
        ]
        kpi_file = self.table(["timestamp", "value"], rows)
        job = self.call("add_kpi_data", self.project_id, kpi_id, kpi_file)
        self.wait(job, "add_kpi_data")

    def rules(self) -> None:
        webhook = self.options.webhook
        actions = [
            models.SlackNotificationAction(webhook=webhook, channel="#ml"),
            models.DiscordNotificationAction(webhook=webhook),
            models.TeamsNotificationAction(webhook=webhook),
            models.EmailNotificationAction(address="ops@example.com"),
        ]
        rule_id = self.call(
            "create_detection_event_rule",
            "input drift",
            self.task_id,
            enums.DetectionEventSeverity.LOW,
            enums.DetectionEventType.DRIFT_ON,
            enums.MonitoringTarget.INPUT,
            actions,
        )
        self.call("get_detection_event_rules", self.task_id)
        self.call("get_detection_event_rule", rule_id)
        self.call("update_detection_event_rule", rule_id, name="input drift, renamed")
        self.call("delete_detection_event_rule", rule_id)

    def integrations(self) -> None:
        aws = self.call(
            "create_aws_integration_credentials",
            "aws",
            True,
            self.project_id,
            self.options.role_arn,
        )
        gcp = self.call(
            "create_gcp_integration_credentials",
            "gcp",
            False,
            self.project_id,
            json.dumps(GCP_KEY),
        )
        self.call(
            "create_azure_integration_credentials",
            "azure",
            False,
            self.project_id,
            json.dumps(AZURE_PRINCIPAL),
        )
        if aws is not None:
            self.call("get_integration_credentials", aws.credentials_id)
        listed = self.call("get_all_project_integration_credentials", self.project_id)
        self.expect(
            "get_all_project_integration_credentials",
            len(listed or []) == 3,
            f"{len(listed or [])} listed",
        )
        if gcp is not None:
            self.call("set_integration_credentials_as_default", gcp.credentials_id)
            self.call("delete_integration_credentials", gcp.credentials_id)

        if aws is None:
            return
        trigger = models.AWSEventBridgeRetrainTrigger(
            credentials_id=aws.credentials_id,
            aws_region_name="us-east-1",
            event_bus_name=self.options.event_bus,
        )
        self.call("test_retrain_trigger", self.model_id, trigger)
        self.call("set_retrain_trigger", self.model_id, trigger)
        self.wait(self.call("retrain_model", self.model_id), "retrain_model")

    def retraining(self) -> None:
        job = self.call("compute_retraining_report", self.model_id)
        self.wait(job, "compute_retraining_report")
        self.call("get_retraining_report", self.model_id)
        self.call(
            "set_model_suggestion_type",
            self.model_id,
            enums.SuggestionType.SAMPLE_WEIGHTS,
        )
        suggestions = self.call("get_suggestions_info", self.model_id, "v1") or []
        self.call("show_suggestions", self.model_id, "v1")
        if suggestions:
            job = self.call(
                "update_model_version_by_suggestion_id",
                self.model_id,
                "v2",
                suggestions[0].id,
            )
            self.wait(job, "update_model_version_by_suggestion_id")
        job = self.call(
            "update_model_version_from_time_range",
            self.model_id,
            "v3",
            PRODUCTION_START + 60.0 * 1500,
            self.production_end,
        )
        self.wait(job, "update_model_version_from_time_range")

    def people(self) -> None:
        def user(username, role):
            return self.call(
                "create_company_user",
                "Ada",
                "Lovelace",
                username,
                "a long password",
                f"{username}@example.com",
                role,
            )

        member = user("member", enums.UserCompanyRole.COMPANY_USER)
        heir = user("heir", enums.UserCompanyRole.COMPANY_USER)
        self.call("get_company_users")
        self.call("show_company_users")
        self.call(
            "change_user_company_role", heir, enums.UserCompanyRole.COMPANY_ADMIN
        )
        self.call(
            "add_user_project_role",
            member,
            self.project_id,
            enums.UserProjectRole.PROJECT_VIEW,
        )
        projects = self.call("get_user_projects", member) or []
        self.expect(
            "get_user_projects",
            [p.project_id for p in projects] == [self.project_id],
            f"listed {projects}",
        )
        self.call("show_user_projects", member)
        self.call("delete_project_role", member, self.project_id)

        expiry = enums.ApiKeyExpirationTime.ONE_MONTH
        own = self.call("create_api_key", "spare", expiry)
        self.call("get_api_keys")
        self.call("show_api_keys")
        if own:
            self.call("delete_api_key", own)
        member_key = self.call("create_user_api_key", member, "member key", expiry)
        self.call("get_user_api_keys", member)
        self.call("show_user_api_keys", member)
        if member_key:
            self.call("delete_user_api_key", member, member_key)

        # Hand the company over, then act as its new owner.
        heir_key = self.call("create_user_api_key", heir, "heir key", expiry)
        self.call("change_company_owner", heir)
        if heir_key:
            heir_client = ML3PlatformClient(url=self.options.url, api_key=heir_key)
            self.ledger.call(heir_client, "delete_company_user", member)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--webhook", default="http://127.0.0.1:9/hook")
    parser.add_argument(
        "--role-arn", default="arn:aws:iam::123456789012:role/ml3-retrain"
    )
    parser.add_argument("--event-bus", default="default")
    options = parser.parse_args()
    options.workdir.mkdir(parents=True, exist_ok=True)

    ledger = Ledger()
    client = ML3PlatformClient(url=options.url, api_key=options.api_key)
    Story(client, ledger, options.workdir, options).run()
    return ledger.report()


if __name__ == "__main__":
    sys.exit(main())
