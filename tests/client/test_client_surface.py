"""The client's public methods are exactly those of the reference.

Names, parameters, annotations and defaults must match; return values and
exceptions too, except where decisions.md (or the wire, which outranks the
reference) says otherwise: each such difference is listed with its source.
"""

import ast
import inspect
import re

import pytest
from test_client_wire import CASES

from ml3_platform_sdk import exceptions as exc
from ml3_platform_sdk.client import ML3PlatformClient
from shared_docs import shared_document
# Ours beyond the reference: positive_class on create_task (decisions.md) and
# closing the connection pool.
EXTRA_PARAMETERS = {"create_task": ["positive_class"]}
EXTRA_METHODS = {"close"}


def reference_methods() -> dict[str, list[tuple[str, str, object]]]:
    """Method name -> [(parameter, annotation, default or empty)]."""
    text = shared_document("reference/client-api.md").read_text()
    methods = {}
    for block in re.findall(r"```python\s*\n(.*?)```", text, re.DOTALL):
        signature = " ".join(block.split())
        if not signature.startswith("."):
            continue
        # The reference writes `(str|None)`; as Python it is a def's signature.
        tree = ast.parse(f"def {signature[1:]}: pass")
        function = tree.body[0]
        args = function.args.args
        defaults = [inspect.Parameter.empty] * (
            len(args) - len(function.args.defaults)
        ) + [ast.literal_eval(d) for d in function.args.defaults]
        methods[function.name] = [
            (arg.arg, normalise(ast.unparse(arg.annotation)), default)
            for arg, default in zip(args, defaults, strict=True)
        ]
    return methods


def normalise(annotation: str) -> str:
    return re.sub(r"[\s()]", "", annotation).replace("'", "")


def client_methods() -> dict[str, list[tuple[str, str, object]]]:
    methods = {}
    for name, function in inspect.getmembers(ML3PlatformClient, inspect.isfunction):
        if name.startswith("_") or name in EXTRA_METHODS:
            continue
        parameters = list(inspect.signature(function).parameters.values())[1:]
        methods[name] = [
            (p.name, normalise(str(p.annotation)), p.default) for p in parameters
        ]
    return methods


@pytest.fixture(scope="module")
def reference():
    return reference_methods()


def test_reference_has_75_methods(reference):
    assert len(reference) == 75


def test_same_method_names(reference):
    assert sorted(client_methods()) == sorted(reference)


def test_same_parameters_annotations_and_defaults(reference):
    ours = client_methods()
    for name, expected in reference.items():
        extra = EXTRA_PARAMETERS.get(name, [])
        actual = [p for p in ours[name] if p[0] not in extra]
        assert actual == expected, name
        # Additions come last and have defaults, so reference calls still work.
        assert [p[0] for p in ours[name][len(expected):]] == extra, name
        assert all(p[2] is not inspect.Parameter.empty
                   for p in ours[name][len(expected):]), name


def test_create_task_takes_positive_class_last():
    parameters = inspect.signature(ML3PlatformClient.create_task).parameters
    assert list(parameters)[-1] == "positive_class"
    assert parameters["positive_class"].default is None


# --- Return values and exceptions ---------------------------------------------

# Where the client returns other than the reference says, and who says so.
RETURN_ADJUSTMENTS = {
    # decisions.md, "Return values"
    "create_api_key": "str",
    "create_user_api_key": "str",
    "retrain_model": "str",
    # protocol §2.0 #23 (a job id); the reference's own prose says so too
    "update_model_version_from_time_range": "str",
    # protocol §2.12: -> [ApiKey]; the reference lists no return
    "get_user_api_keys": "list[ApiKey]",
    # protocol §2.13: our client reads all three kinds of credentials
    "get_integration_credentials": "IntegrationCredentialsUnion",
    "get_all_project_integration_credentials": "list[IntegrationCredentialsUnion]",
}


def reference_sections() -> dict[str, str]:
    text = shared_document("reference/client-api.md").read_text()
    sections = re.split(r"^### \.", text, flags=re.MULTILINE)[1:]
    return {section.split("\n", 1)[0].strip(): section for section in sections}


def reference_return(section: str) -> str:
    """The documented return type, ``None`` when the section has none."""
    found = re.search(r"\*\*Returns\*\*\s*\n\s*\* \*\*\w+\*\*\s*: `([^`]+)`", section)
    if found is None:
        return "None"
    return re.sub(r"List\[(\w+)\]", r"list[\1]", found[1])


def reference_raises(section: str) -> list[str]:
    found = re.search(r"\*\*Raises\*\*\s*\n(.*?)(?:\n---|\n\*\*|\Z)", section, re.S)
    return re.findall(r"`(\w+Exception)`", found[1]) if found else []


def test_same_return_values(reference):
    sections = reference_sections()
    wrong = {}
    for name in reference:
        expected = RETURN_ADJUSTMENTS.get(name, reference_return(sections[name]))
        signature = inspect.signature(getattr(ML3PlatformClient, name))
        actual = normalise(str(signature.return_annotation))
        if actual != expected:
            wrong[name] = (actual, expected)
    assert wrong == {}


def test_every_documented_exception_exists(reference):
    names = {
        name: reference_raises(section)
        for name, section in reference_sections().items()
    }
    missing = {
        (method, exception)
        for method, raised in names.items()
        for exception in raised
        if not issubclass(getattr(exc, exception, type), exc.SDKClientException)
    }
    assert missing == set()
    # The aliases of decisions.md, "Exception names".
    assert exc.AddModelReferenceException is exc.SetModelReferenceException
    assert exc.CreateKpiException is exc.CreateKPIException


# The calls of test_client_wire, one request each, with their exact requests.
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_400_raises_the_documented_exception(name, client, recorder):
    call, method, path, _, _ = CASES[name]
    documented = reference_raises(reference_sections()[name.removesuffix("_none")])
    error = {"error_code": "SOME_CODE", "error_message": "some words"}
    route = path.split("?")[0].removeprefix("/sdk/v1")
    recorder.answer(method, route, error, status=400)

    with pytest.raises(exc.SDKClientException) as raised:
        call(client)

    # Ours may be a subclass (decisions.md: add_target_data, rule updates).
    assert isinstance(raised.value, getattr(exc, documented[0]))
    assert (raised.value.error_code, raised.value.error_message) == (
        "SOME_CODE",
        "some words",
    )
