"""How answers other than 200 become exceptions, and the exception tree."""

import pickle

import httpx
import pytest

from ml3_platform_sdk import exceptions as exc
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    MonitoringTarget,
    StoragePolicy,
)
from ml3_platform_sdk.models import RetrainAction, SlackNotificationAction

ERROR = {"error_code": "PROJECT_NAME_TAKEN", "error_message": "Name in use"}


def create_project(client):
    return client.create_project("p", None, StoragePolicy.MLCUBE)


def test_400_raises_the_calls_exception_with_the_servers_words(client, recorder):
    recorder.answer("POST", "/project", ERROR, status=400)

    with pytest.raises(exc.CreateProjectException) as raised:
        create_project(client)

    assert raised.value.error_code == "PROJECT_NAME_TAKEN"
    assert raised.value.error_message == "Name in use"
    assert raised.value.status_code == 400
    assert str(raised.value) == "PROJECT_NAME_TAKEN: Name in use"


def test_getters_read_the_error_body_too(client, recorder):
    recorder.answer("GET", "/project/p9",
                    {"error_code": "PROJECT_NOT_FOUND", "error_message": "No p9"},
                    status=400)

    with pytest.raises(exc.SDKClientException) as raised:
        client.get_project("p9")

    assert raised.value.error_code == "PROJECT_NOT_FOUND"


@pytest.mark.parametrize("status, body, code", [
    (401, {"error_code": "API_KEY_EXPIRED", "error_message": "Expired"},
     "API_KEY_EXPIRED"),
    (401, None, "UNAUTHORIZED"),
    (500, None, "INTERNAL_ERROR"),
    (503, {"error_code": "DATABASE_DOWN", "error_message": "Try later"},
     "DATABASE_DOWN"),
])
def test_401_and_5xx_raise_the_base_class(client, recorder, status, body, code):
    recorder.answer("POST", "/project", body, status=status)

    with pytest.raises(exc.SDKClientException) as raised:
        create_project(client)

    assert type(raised.value) is exc.SDKClientException
    assert raised.value.error_code == code
    assert raised.value.status_code == status


@pytest.mark.parametrize("content", [b"<html>Not Found</html>", b"",
                                     b'{"detail": "Not Found"}'])
def test_an_unreadable_error_body_gives_unexpected(client, recorder, content):
    recorder.answer("POST", "/project", status=404, content=content)

    with pytest.raises(exc.CreateProjectException) as raised:
        create_project(client)

    assert raised.value.error_code == "UNEXPECTED"
    assert "404" in raised.value.error_message


@pytest.mark.parametrize("status", [201, 204])
def test_only_200_is_success(client, recorder, status):
    recorder.answer("POST", "/project", "p1", status=status)

    with pytest.raises(exc.CreateProjectException):
        create_project(client)


def test_a_200_that_is_not_json_is_an_invalid_response(client, recorder):
    recorder.answer("POST", "/project", content=b"ok")

    with pytest.raises(exc.InvalidResponseException) as raised:
        create_project(client)

    assert raised.value.error_code == "INVALID_RESPONSE"


def test_a_badly_shaped_200_is_an_invalid_response(client, recorder):
    recorder.answer("GET", "/projects", [{"project_id": 5, "name": "x"}])

    with pytest.raises(exc.InvalidResponseException):
        client.get_projects()


def test_connection_failure_is_an_sdk_exception():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    client = ML3PlatformClient("http://h", "k", transport=httpx.MockTransport(refuse))

    with pytest.raises(exc.TransportException) as raised:
        client.get_company()

    assert isinstance(raised.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize("url, key", [("", "k"), ("http://h", "")])
def test_empty_url_or_key_is_refused_at_construction(url, key):
    with pytest.raises(exc.InvalidClientConfigurationException):
        ML3PlatformClient(url, key)


def test_model_lookup_by_name_reports_the_miss(client, recorder):
    recorder.answer("GET", "/models/t1", [])

    with pytest.raises(exc.SDKClientException) as raised:
        client.get_model_by_name_and_version("t1", "m", "v1")

    assert raised.value.error_code == "MODEL_NOT_FOUND"
    assert raised.value.error_message == "No model found with name: m and version: v1"


def rule(client, actions, model_name="m"):
    return client.create_detection_event_rule(
        "r", "t1", DetectionEventSeverity.LOW, DetectionEventType.DRIFT_ON,
        MonitoringTarget.ERROR, actions, model_name=model_name,
    )


@pytest.mark.parametrize("actions, model_name", [
    ([RetrainAction(), RetrainAction()], "m"),
    ([RetrainAction()], None),
    ([RetrainAction(model_name="other")], "m"),
])
def test_rule_action_check(client, recorder, actions, model_name):
    with pytest.raises(exc.CreateDetectionEventRuleException) as raised:
        rule(client, actions, model_name)

    assert raised.value.error_code == "CREATE_DETECTION_EVENT_RULE_ERROR"
    assert raised.value.error_message == "Failed rule action validation"
    assert isinstance(raised.value.__cause__, exc.InvalidActionList)
    assert recorder.requests == []


def test_rule_update_check_has_its_own_code(client):
    with pytest.raises(exc.UpdateDetectionEventRuleException) as raised:
        client.update_detection_event_rule("r1", actions=[RetrainAction()])

    assert raised.value.error_code == "UPDATE_DETECTION_EVENT_RULE_ERROR"


def test_rule_check_binds_the_retrain_action_without_changing_the_callers(
    client, recorder
):
    recorder.answer("POST", "/task/detection-event/rule", "r1")
    action = RetrainAction()

    rule(client, [SlackNotificationAction(webhook="w", channel="c"), action])

    assert b'{"type":"retrain","model_name":"m"}' in recorder.last.content
    assert action.model_name is None


@pytest.mark.parametrize("call", [
    lambda c: c.create_gcp_integration_credentials("g", False, "p", "{not json"),
    lambda c: c.create_gcp_integration_credentials("g", False, "p", '{"type": "x"}'),
    lambda c: c.create_azure_integration_credentials(
        "a", False, "p",
        '{"app_id":"a","display_name":"d","password":"p","tenant":"t"}'),
])
def test_bad_credentials_json_is_refused_without_requests(client, recorder, call):
    with pytest.raises(exc.SDKClientException) as raised:
        call(client)

    assert raised.value.error_code == "Invalid credentials format"
    assert recorder.requests == []


def test_exception_defaults_and_positional_code():
    plain = exc.SDKClientException()
    positional = exc.SDKClientException("Something broke")

    assert (plain.error_code, plain.error_message) == (
        "UNEXPECTED", "An unexpected error occurred")
    assert positional.error_code == "Something broke"
    assert positional.error_message == "An unexpected error occurred"
    assert positional.args[0] == "Something broke"
    assert str(exc.JobFailureException(error_message="boom")) == "UNEXPECTED: boom"


def test_exception_survives_pickling():
    original = exc.CreateTaskException("CODE", "message", status_code=400)

    copy = pickle.loads(pickle.dumps(original))

    assert (type(copy), copy.error_code, copy.error_message, copy.status_code) == (
        exc.CreateTaskException, "CODE", "message", 400)


def test_reference_names_and_documented_parents():
    assert exc.AddModelReferenceException is exc.SetModelReferenceException
    assert exc.CreateKpiException is exc.CreateKPIException
    assert issubclass(exc.AddTargetDataException, exc.AddHistoricalDataException)
    assert issubclass(exc.UpdateDetectionEventRuleException,
                      exc.CreateDetectionEventRuleException)
    names = [name for name in dir(exc) if name.endswith(("Exception", "ActionList"))]
    for name in names:
        assert issubclass(getattr(exc, name), exc.SDKClientException), name
