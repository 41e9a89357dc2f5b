"""Where the project's shared documents are: the wire protocol and the
client reference that tests compare the code with.

They live beside the checkouts, in a ``shared`` folder next to the main
checkout or to the folder of worktrees; ``ML3_SHARED_DOCS`` names the folder
outright. A test that needs one fails when it is missing, rather than
passing without having compared anything.
"""

import os
import re
from pathlib import Path

import pytest

ENVIRONMENT = "ML3_SHARED_DOCS"
REPOSITORY = Path(__file__).parents[1]


def shared_document(relative: str) -> Path:
    """The shared document at ``relative``, e.g. ``reference/client-api.md``."""
    folders = [Path(os.environ[ENVIRONMENT])] if os.environ.get(ENVIRONMENT) else []
    folders += [parent / "shared" for parent in REPOSITORY.parents]
    for folder in folders:
        if (folder / relative).is_file():
            return folder / relative
    pytest.fail(f"shared/{relative} not found; set {ENVIRONMENT} to its folder")


def protocol_routes() -> set[str]:
    """The method+path pairs that protocol §2.0 lists, as ``"GET /company"``."""
    text = shared_document("protocol.md").read_text()
    index = text.split("### 2.0 Index", 1)[1].split("### 2.1", 1)[0]
    block = index.split("```", 2)[1]
    pairs = re.findall(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/\S+)", block)
    return {f"{method} {path}" for method, path in pairs}
