"""Fixtures of the remote-source tests; they live in `remote_standins`,
whose constants and helpers the test modules import by that unique name."""

from remote_standins import (  # noqa: F401  (fixtures)
    _quiet,
    aws,
    azurite,
    azurite_bin,
    client,
    gcs,
    local_kpi,
    remote_platform,
)
