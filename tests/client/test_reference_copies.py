"""The repository's copies of the shared documents are the documents.

Tests compare the code with the copies in ``docs/reference/``; where the
shared folder itself is reachable (a development checkout), each copy must
equal its original, so a changed reference cannot go unnoticed.
"""

import pytest

from shared_docs import original_document, shared_document


@pytest.mark.parametrize("relative", ["reference/client-api.md", "protocol.md"])
def test_the_copy_is_the_shared_document(relative):
    original = original_document(relative)
    if original is None:
        pytest.skip(f"no shared folder with {relative} beside this checkout")
    assert shared_document(relative).read_bytes() == original.read_bytes()
