"""Exact requests of the API calls, against the examples of protocol.md §2."""

import json

import pytest
from client_recording import wire

from ml3_platform_sdk.enums import (
    ApiKeyExpirationTime,
    ColumnRole,
    Currency,
    DataStructure,
    DataType,
    DetectionEventSeverity,
    DetectionEventType,
    JobStatus,
    ModelMetricName,
    MonitoringMetric,
    MonitoringTarget,
    StoragePolicy,
    SuggestionType,
    TaskType,
    TextLanguage,
    UserCompanyRole,
    UserProjectRole,
)
from ml3_platform_sdk.models import (
    AWSCredentials,
    AWSEventBridgeRetrainTrigger,
    AzureCredentials,
    BinaryClassificationTaskCostInfo,
    ColumnInfo,
    DataSchema,
    DiscordNotificationAction,
    EmailNotificationAction,
    GCPCredentials,
    GCPPubSubRetrainTrigger,
    MulticlassClassificationTaskCostInfo,
    RetrainAction,
    SlackNotificationAction,
    TeamsNotificationAction,
)

GCP_KEY = {
    "type": "service_account",
    "project_id": "gp",
    "private_key_id": "kid",
    "private_key": "pk",
    "client_email": "a@gp.iam",
    "client_id": "123",
    "auth_uri": "https://auth",
    "token_uri": "https://token",
    "auth_provider_x509_cert_url": "https://certs",
    "client_x509_cert_url": "https://cert",
    "universe_domain": "googleapis.com",
    "extra": "dropped",
}

# (call, method, path, exact body or None for GET, answer)
CASES = {
    "create_company": (
        lambda c: c.create_company("Société", "Via Roma 1", "IT1"),
        "POST", "/sdk/v1/company",
        '{"name":"Société","address":"Via Roma 1","vat":"IT1"}',
        "c1",
    ),
    "update_company": (
        lambda c: c.update_company(None, "New address", None),
        "PATCH", "/sdk/v1/company",
        '{"name":null,"address":"New address","vat":null}',
        None,
    ),
    "create_project": (
        lambda c: c.create_project("proj", None, StoragePolicy.MLCUBE),
        "POST", "/sdk/v1/project",
        '{"name":"proj","description":null,"default_storage_policy":"mlcube"}',
        "p1",
    ),
    "create_task": (
        lambda c: c.create_task(
            "p1", "task", ["a"], TaskType.CLASSIFICATION_BINARY,
            DataStructure.TABULAR,
            BinaryClassificationTaskCostInfo(
                currency=Currency.EURO, false_positive_cost=1, false_negative_cost=2.5
            ),
            optional_target=True, text_language=TextLanguage.ENGLISH,
            positive_class=True,
        ),
        "POST", "/sdk/v1/task",
        '{"project_id":"p1","name":"task","tags":["a"],'
        '"task_type":"classification_binary","data_structure":"tabular",'
        '"cost_info":{"currency":"euro","false_positive_cost":1.0,'
        '"false_negative_cost":2.5},"optional_target":true,'
        '"text_language":"english","positive_class":true}',
        "t1",
    ),
    "update_task": (
        lambda c: c.update_task(
            "t1", tags=[],
            cost_info=MulticlassClassificationTaskCostInfo(
                currency=Currency.DOLLAR, misclassification_cost={"2": 3}
            ),
        ),
        "PATCH", "/sdk/v1/task",
        '{"task_id":"t1","name":null,"tags":[],"cost_info":{"currency":"dollar",'
        '"misclassification_cost":{"2":3.0}}}',
        None,
    ),
    "create_model": (
        lambda c: c.create_model(
            "t1", "m", "v1", ModelMetricName.RMSE, SuggestionType.SAMPLE_WEIGHTS,
            retraining_cost=5,
        ),
        "POST", "/sdk/v1/model",
        '{"task_id":"t1","name":"m","version":"v1","metric_name":"rmse",'
        '"retraining_cost":5.0,"preferred_suggestion_type":"sample_weights",'
        '"resampled_dataset_size":null}',
        "m1",
    ),
    "set_model_suggestion_type": (
        lambda c: c.set_model_suggestion_type(
            "m1", SuggestionType.RESAMPLED_DATASET, 500
        ),
        "PUT", "/sdk/v1/model/suggestion-type",
        '{"model_id":"m1","preferred_suggestion_type":"resampled_dataset",'
        '"resampled_dataset_size":500}',
        None,
    ),
    "update_model_version_by_suggestion_id": (
        lambda c: c.update_model_version_by_suggestion_id("m1", "v2", "s1"),
        "PATCH", "/sdk/v1/model-version-suggestion-id",
        '{"model_id":"m1","new_model_version":"v2","suggestion_id":"s1"}',
        "j1",
    ),
    "add_data_schema": (
        lambda c: c.add_data_schema("t1", DataSchema(columns=[
            ColumnInfo(name="id", role=ColumnRole.ID, is_nullable=False,
                       data_type=DataType.STRING),
            ColumnInfo(name="e", role=ColumnRole.INPUT, is_nullable=True,
                       data_type=DataType.ARRAY_1, dims=(3,)),
        ])),
        "POST", "/sdk/v1/data-schema",
        '{"task_id":"t1","data_schema":{"columns":['
        '{"name":"id","role":"id","is_nullable":false,"data_type":"string",'
        '"predicted_target":null,"possible_values":null,"model_id":null,'
        '"dims":null,"classes_names":null},'
        '{"name":"e","role":"input","is_nullable":true,"data_type":"array_1",'
        '"predicted_target":null,"possible_values":null,"model_id":null,'
        '"dims":[3],"classes_names":null}]}}',
        None,
    ),
    "set_model_reference": (
        lambda c: c.set_model_reference("m1", 1, 2.5),
        "POST", "/sdk/v1/model/reference",
        '{"model_id":"m1","from_timestamp":1.0,"to_timestamp":2.5}',
        "j1",
    ),
    "create_kpi": (
        lambda c: c.create_kpi("p1", "revenue"),
        "POST", "/sdk/v1/kpi", '{"project_id":"p1","name":"revenue"}', "k1",
    ),
    "compute_retraining_report": (
        lambda c: c.compute_retraining_report("m1"),
        "POST", "/sdk/v1/retraining-report", '{"model_id":"m1"}', "j1",
    ),
    "get_jobs": (
        lambda c: c.get_jobs(task_id="t 1", status=JobStatus.RUNNING, job_id="j1"),
        "GET", "/sdk/v1/job?task_id=t+1&status=running&job_id=j1", None, [],
    ),
    "show_jobs": (
        lambda c: c.show_jobs(), "GET", "/sdk/v1/job", None, [],
    ),
    "get_detection_event_rules": (
        lambda c: c.get_detection_event_rules("t1"),
        "GET", "/sdk/v1/task/detection-event/rules?task_id=t1", None, [],
    ),
    "get_detection_events": (
        lambda c: c.get_detection_events("t1"),
        "GET", "/sdk/v1/task/t1/sdk-detection-events", None, [],
    ),
    "create_detection_event_rule": (
        lambda c: c.create_detection_event_rule(
            "rule", "t1", DetectionEventSeverity.HIGH, DetectionEventType.DRIFT_ON,
            MonitoringTarget.ERROR,
            [
                RetrainAction(),
                SlackNotificationAction(webhook="w", channel="c"),
                EmailNotificationAction(address="a@b"),
                DiscordNotificationAction(webhook="d"),
                TeamsNotificationAction(webhook="t"),
            ],
            monitoring_metric=MonitoringMetric.FEATURE, model_name="mod",
        ),
        "POST", "/sdk/v1/task/detection-event/rule",
        '{"name":"rule","task_id":"t1","model_name":"mod","severity":"high",'
        '"detection_event_type":"drift_on","monitoring_target":"error",'
        '"monitoring_metric":"feature","actions":[{"type":"retrain",'
        '"model_name":"mod"},{"type":"slack_notification","webhook":"w",'
        '"channel":"c"},{"type":"email_notification","address":"a@b"},'
        '{"type":"discord_notification","webhook":"d"},'
        '{"type":"teams_notification","webhook":"t"}]}',
        "r1",
    ),
    "update_detection_event_rule": (
        lambda c: c.update_detection_event_rule(
            "r1", severity=DetectionEventSeverity.LOW
        ),
        "PATCH", "/sdk/v1/task/detection-event/rule",
        '{"rule_id":"r1","name":null,"model_name":null,"severity":"low",'
        '"detection_event_type":null,"monitoring_target":null,"actions":null}',
        None,
    ),
    "delete_detection_event_rule": (
        lambda c: c.delete_detection_event_rule("r1"),
        "DELETE", "/sdk/v1/task/detection-event/rule/r1", "", None,
    ),
    "create_company_user": (
        lambda c: c.create_company_user(
            "Ada", "L", "ada", "pw", "ada@x", UserCompanyRole.COMPANY_USER
        ),
        "POST", "/sdk/v1/company-user",
        '{"name":"Ada","surname":"L","username":"ada","password":"pw",'
        '"email":"ada@x","company_role":"COMPANY_USER"}',
        "u1",
    ),
    "change_user_company_role": (
        lambda c: c.change_user_company_role("u1", UserCompanyRole.COMPANY_ADMIN),
        "POST", "/sdk/v1/change-user-company-role",
        '{"user_id":"u1","company_role":"COMPANY_ADMIN"}', None,
    ),
    "add_user_project_role": (
        lambda c: c.add_user_project_role("u1", "p1", UserProjectRole.PROJECT_VIEW),
        "POST", "/sdk/v1/user-project-role",
        '{"user_id":"u1","project_id":"p1","project_role":"PROJECT_VIEW"}', None,
    ),
    "delete_project_role": (
        lambda c: c.delete_project_role("u1", "p1"),
        "DELETE", "/sdk/v1/user-project-role",
        '{"user_id":"u1","project_id":"p1"}', None,
    ),
    "create_api_key": (
        lambda c: c.create_api_key("ci", ApiKeyExpirationTime.ONE_MONTH),
        "POST", "/sdk/v1/api-key",
        '{"name":"ci","expiration_time":"one_month"}', "secret-key",
    ),
    "create_user_api_key": (
        lambda c: c.create_user_api_key("u1", "ci", ApiKeyExpirationTime.NEVER),
        "POST", "/sdk/v1/user-api-key",
        '{"user_id":"u1","name":"ci","expiration_time":"never"}', "secret-key",
    ),
    "delete_user_api_key": (
        lambda c: c.delete_user_api_key("u1", "k.1-x"),
        "DELETE", "/sdk/v1/user-api-key/u1/k.1-x", "", None,
    ),
    "change_company_owner": (
        lambda c: c.change_company_owner("u2"),
        "POST", "/sdk/v1/company-owner/u2", "", None,
    ),
    "set_integration_credentials_as_default": (
        lambda c: c.set_integration_credentials_as_default("cr1"),
        "POST", "/sdk/v1/integration/credentials/cr1/default", "", None,
    ),
    "create_aws_integration_credentials": (
        lambda c: c.create_aws_integration_credentials(
            "aws", True, "p1", "arn:aws:iam::1:role/r"
        ),
        "POST", "/sdk/v1/integration/aws/credentials",
        '{"name":"aws","default":true,"project_id":"p1",'
        '"role_arn":"arn:aws:iam::1:role/r"}',
        {"credentials_id": "cr1", "name": "aws", "default": True, "type": "aws",
         "role_arn": "arn:aws:iam::1:role/r", "external_id": "ext"},
    ),
    "create_gcp_integration_credentials": (
        lambda c: c.create_gcp_integration_credentials(
            "gcp", False, "p1", json.dumps(GCP_KEY)
        ),
        "POST", "/sdk/v1/integration/gcp/credentials",
        '{"name":"gcp","default":false,"project_id":"p1","account_info":'
        + json.dumps({k: v for k, v in GCP_KEY.items() if k != "extra"},
                     separators=(",", ":"))
        + "}",
        {"credentials_id": "cr2", "name": "gcp", "default": False, "type": "gcp",
         "gcp_project_id": "gp", "client_email": "a@gp.iam", "client_id": "123"},
    ),
    "create_azure_integration_credentials": (
        lambda c: c.create_azure_integration_credentials(
            "az", False, "p1",
            '{"appId":"a","displayName":"d","password":"pw","tenant":"t"}',
        ),
        "POST", "/sdk/v1/integration/azure/credentials",
        '{"name":"az","default":false,"project_id":"p1","credentials":'
        '{"app_id":"a","display_name":"d","password":"pw","tenant":"t"}}',
        {"credentials_id": "cr3", "name": "az", "default": False, "type": "azure",
         "app_id": "a", "display_name": "d", "tenant": "t"},
    ),
    "set_retrain_trigger": (
        lambda c: c.set_retrain_trigger("m1", AWSEventBridgeRetrainTrigger(
            credentials_id="c1", aws_region_name="eu", event_bus_name="bus"
        )),
        "POST", "/sdk/v1/model/m1/retrain-trigger",
        '{"type":"aws_event_bridge","credentials_id":"c1","aws_region_name":"eu",'
        '"event_bus_name":"bus"}',
        None,
    ),
    "set_retrain_trigger_none": (
        lambda c: c.set_retrain_trigger("m1", None),
        "DELETE", "/sdk/v1/model/m1/retrain-trigger", "", None,
    ),
    "test_retrain_trigger": (
        lambda c: c.test_retrain_trigger(
            "m1", GCPPubSubRetrainTrigger(credentials_id="c1", topic_name="top")
        ),
        "POST", "/sdk/v1/test-retrain-trigger",
        '{"model_id":"m1","retrain_trigger":{"type":"gcp_pubsub",'
        '"credentials_id":"c1","topic_name":"top"}}',
        None,
    ),
    "retrain_model": (
        lambda c: c.retrain_model("m1"),
        "POST", "/sdk/v1/retrain-model", '{"model_id":"m1"}', "j9",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_request_bytes(client, recorder, name):
    call, method, path, body, answer = CASES[name]
    recorder.answer(method, path.split("?")[0].removeprefix("/sdk/v1"), answer)

    call(client)

    (request,) = recorder.requests
    expected_body = b"" if body is None else body.encode()
    assert wire(request) == (method, path, expected_body)
    assert request.headers["X-Api-Key"] == "key-1"
    # JSON goes with no Content-Type (protocol §1.3) but with a length.
    assert "content-type" not in request.headers
    if method != "GET":
        assert request.headers["Content-Length"] == str(len(expected_body))


def test_ids_are_returned(client, recorder):
    recorder.answer("POST", "/task", "t-42")
    recorder.answer("POST", "/api-key", "the-new-key")

    assert client.create_task("p", "n", [], TaskType.REGRESSION,
                              DataStructure.TABULAR) == "t-42"
    assert client.create_api_key("k", ApiKeyExpirationTime.NEVER) == "the-new-key"


def test_api_calls_time_out_after_60_seconds(client, recorder):
    recorder.answer("GET", "/projects", [])

    client.get_projects()

    assert recorder.last.extensions["timeout"]["read"] == 60


def test_trailing_slash_in_url_gives_one_slash(recorder):
    import httpx

    from ml3_platform_sdk.client import ML3PlatformClient

    recorder.answer("GET", "/company", {"company_id": "c", "name": "n",
                                        "address": "a", "vat": "v"})
    transport = httpx.MockTransport(recorder)
    client = ML3PlatformClient("http://h/", "k", transport=transport)

    client.get_company()

    assert recorder.last.url.raw_path == b"/sdk/v1/company"


def test_update_model_version_from_time_range_reads_the_model_first(
    client, recorder, model_json
):
    recorder.answer("GET", "/model/m1", model_json)
    recorder.answer("PATCH", "/model-version-time-range", "j1")

    assert client.update_model_version_from_time_range("m1", "v2", 1, 2) == "j1"

    first, second = recorder.requests
    assert wire(first) == ("GET", "/sdk/v1/model/m1", b"")
    assert wire(second) == (
        "PATCH",
        "/sdk/v1/model-version-time-range",
        b'{"model_id":"m1","new_model_version":"v2","from_timestamp":1.0,'
        b'"to_timestamp":2.0}',
    )


def test_update_project_returns_the_project(client, recorder):
    recorder.answer("PATCH", "/project", {"project_id": "p1", "name": "new"})

    project = client.update_project("p1", "new", None, None)

    assert project.name == "new"


def test_get_retraining_report_parses_the_suggestion(client, recorder):
    recorder.answer("GET", "/retraining-report", {
        "report_id": "r", "effective_sample_size": 400.0,
        "model_metric_name": "rmse", "performance_upper_bound": 1,
        "performance_lower_bound": 0.5,
        "suggestion": {"suggestion_id": "s", "suggestion_type": "sample_weights",
                       "sample_ids": ["a"], "sample_weights": [0.5]},
    })

    report = client.get_retraining_report("m 1")

    assert recorder.last.url.raw_path == b"/sdk/v1/retraining-report?model_id=m+1"
    assert report.suggestion.sample_weights == [0.5]
    assert report.cost_upper_bound is None


def test_rule_actions_come_back_as_their_variants(client, recorder):
    recorder.answer("GET", "/task/detection-event/rule/r1", {
        "rule_id": "r1", "name": "n", "task_id": "t", "severity": "low",
        "detection_event_type": "warning_on", "monitoring_target": "input",
        "actions": [{"type": "retrain", "model_name": None},
                    {"type": "teams_notification", "webhook": "w"}],
    })

    rule = client.get_detection_event_rule("r1")

    assert isinstance(rule.actions[0], RetrainAction)
    assert isinstance(rule.actions[1], TeamsNotificationAction)


@pytest.mark.parametrize("kind, expected", [
    ({"type": "aws", "role_arn": "arn"}, AWSCredentials),
    ({"type": "gcp", "gcp_project_id": "g", "client_email": "e", "client_id": "i"},
     GCPCredentials),
    ({"type": "azure", "app_id": "a", "display_name": "d", "tenant": "t"},
     AzureCredentials),
])
def test_get_integration_credentials_reads_every_type(client, recorder, kind, expected):
    base = {"credentials_id": "c", "name": "n", "default": True}
    recorder.answer("GET", "/integration/credentials/c", {**base, **kind})
    recorder.answer("GET", "/project/p/integration-credentials", [{**base, **kind}])

    assert type(client.get_integration_credentials("c")) is expected
    (listed,) = client.get_all_project_integration_credentials("p")
    assert type(listed) is expected


def test_aws_credentials_give_a_trust_policy(client, recorder):
    _, method, path, _, answer = CASES["create_aws_integration_credentials"]
    recorder.answer(method, path.removeprefix("/sdk/v1"), answer)

    credentials = CASES["create_aws_integration_credentials"][0](client)

    assert '"sts:ExternalId": "ext"' in credentials.generate_trust_policy()


def test_get_model_by_name_and_version_picks_the_match(client, recorder, model_json):
    other = {**model_json, "version": "v2"}
    recorder.answer("GET", "/models/t1", [model_json, other])

    assert client.get_model_by_name_and_version("t1", "m", "v2").version == "v2"


def test_model_retrain_trigger_is_read_by_type(client, recorder, model_json):
    trigger = {"type": "azure_event_grid", "credentials_id": "c",
               "topic_endpoint": "https://t"}
    recorder.answer("GET", "/model/m1", {**model_json, "retrain_trigger": trigger})

    model = client.get_model("m1")

    assert model.retrain_trigger.topic_endpoint == "https://t"
    assert model.retrain_trigger.model_dump(mode="json") == trigger
