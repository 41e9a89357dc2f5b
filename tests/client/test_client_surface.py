"""The client's public methods are exactly those of the reference."""

import ast
import inspect
import re

import pytest

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
