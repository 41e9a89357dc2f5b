"""Where the project's shared documents are: the wire protocol and the
client reference that tests compare the code with.

The repository keeps a copy of each in ``docs/reference/``, so a clone
tests itself wherever it lies. The originals live beside the checkouts, in
a ``shared`` folder next to the main checkout or to the folder of
worktrees (``ML3_SHARED_DOCS`` names the folder outright); where one is
found, `tests/client/test_reference_copies.py` checks the copies against it.
A test that needs a document fails when it is missing, rather than passing
without having compared anything.
"""

import os
import re
from pathlib import Path

import pytest

ENVIRONMENT = "ML3_SHARED_DOCS"
REPOSITORY = Path(__file__).parents[1]


COPIES = REPOSITORY / "docs" / "reference"


def shared_document(relative: str) -> Path:
    """The repository's copy of the shared document at ``relative``, e.g.
    ``reference/client-api.md``."""
    copy = COPIES / Path(relative).name
    if not copy.is_file():
        pytest.fail(f"{copy} is missing")
    return copy


def original_document(relative: str) -> Path | None:
    """The shared document itself, where a ``shared`` folder is found."""
    folders = [Path(os.environ[ENVIRONMENT])] if os.environ.get(ENVIRONMENT) else []
    folders += [parent / "shared" for parent in REPOSITORY.parents]
    for folder in folders:
        if (folder / relative).is_file():
            return folder / relative
    return None


def protocol_routes() -> set[str]:
    """The method+path pairs that protocol §2.0 lists, as ``"GET /company"``."""
    text = shared_document("protocol.md").read_text()
    index = text.split("### 2.0 Index", 1)[1].split("### 2.1", 1)[0]
    block = index.split("```", 2)[1]
    pairs = re.findall(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/\S+)", block)
    return {f"{method} {path}" for method, path in pairs}
