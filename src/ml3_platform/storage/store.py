"""A key-value store of files over fsspec: a local folder or an object store.

Keys are ``/``-separated paths relative to the store's root. A write is
atomic: readers see the old bytes or the new ones, never half a file. On a
local disk the bytes go to a hidden temporary file beside the target, which
is then renamed over it. Object stores publish an object only when its
upload completes, so there the bytes are staged in a local temporary file
and uploaded in one call once the writer is done.
"""

import os
import posixpath
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from ml3_platform.settings import Settings

# Stores whose single-object writes become visible all at once.
_ATOMIC_PUT_PROTOCOLS = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "memory"}


class Store:
    """Files of the platform under one root URL.

    >>> store = Store("memory://example")
    >>> store.put_bytes("a/b.txt", b"hi")
    >>> store.open("a/b.txt").read()
    b'hi'
    """

    def __init__(self, url: str, **storage_options: Any) -> None:
        self.url = url
        self.fs, root = url_to_fs(url, **storage_options)
        self.root = root.rstrip("/")
        self._is_local = isinstance(self.fs, LocalFileSystem)
        protocols = self.fs.protocol
        if isinstance(protocols, str):
            protocols = (protocols,)
        self._put_is_atomic = bool(_ATOMIC_PUT_PROTOCOLS.intersection(protocols))

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def path(self, key: str) -> str:
        """The file system path of ``key``."""
        parts = key.split("/")
        if not key or key.startswith("/") or ".." in parts or "" in parts:
            raise ValueError(f"invalid storage key {key!r}")
        return f"{self.root}/{key}"

    def local_path(self, key: str) -> str | None:
        """The file's path on this machine's disk, or None in an object store.

        Readers that map files into memory use it instead of `open`.
        """
        return self.path(key) if self._is_local else None

    def put_bytes(self, key: str, data: bytes) -> None:
        with self.open(key, "wb") as file:
            file.write(data)

    def get_bytes(self, key: str) -> bytes:
        with self.open(key, "rb") as file:
            return file.read()

    @contextmanager
    def open(self, key: str, mode: str = "rb") -> Iterator[IO[bytes]]:
        """Open ``key``; in a write mode the file appears whole when closed.

        If the ``with`` block raises, nothing is written.
        """
        if "r" in mode:
            with self.fs.open(self.path(key), mode) as file:
                yield file
            return

        if "a" in mode or "+" in mode:
            raise ValueError(f"mode {mode!r} is not supported: write whole files")
        target = self.path(key)
        self.fs.makedirs(posixpath.dirname(target), exist_ok=True)
        if self._put_is_atomic:
            # Stage on local disk: closing a remote file would publish
            # whatever was written so far, even when the block failed.
            with tempfile.NamedTemporaryFile(mode, prefix="ml3-") as file:
                yield file
                file.flush()
                self.fs.put_file(file.name, target)
            return

        directory, name = posixpath.split(target)
        temporary = f"{directory}/.{name}.tmp-{uuid.uuid4().hex}"
        try:
            with self.fs.open(temporary, mode) as file:
                yield file
            self._replace(temporary, target)
        except BaseException:
            if self.fs.exists(temporary):
                self.fs.rm(temporary)
            raise

    def _replace(self, source: str, target: str) -> None:
        if self._is_local:
            # One rename(2): atomic, and it replaces an existing target.
            os.replace(source, target)
        else:
            self.fs.mv(source, target)

    def write_table(self, key: str, table: pa.Table) -> None:
        """Write ``table`` as Parquet at ``key``."""
        with self.open(key, "wb") as file:
            pq.write_table(table, file, compression="zstd")

    def read_table(self, key: str, columns: list[str] | None = None) -> pa.Table:
        """Read the Parquet file at ``key``, optionally only some columns."""
        if self._is_local:
            return pq.read_table(self.path(key), columns=columns)
        with self.open(key, "rb") as file:
            return pq.read_table(file, columns=columns)

    def exists(self, key: str) -> bool:
        return self.fs.exists(self.path(key))

    def delete(self, key: str) -> None:
        """Delete the file ``key``, or everything under the folder ``key``.

        Deleting what is not there is not an error, so clean-up can be
        repeated.
        """
        path = self.path(key)
        if self.fs.exists(path):
            self.fs.rm(path, recursive=True)

    def list(self, prefix: str) -> list[str]:
        """Keys of the files under the folder ``prefix`` ("" for all), sorted."""
        path = self.path(prefix) if prefix else self.root
        if not self.fs.exists(path):
            return []
        found = self.fs.find(path)
        base = self.fs._strip_protocol(self.root)
        keys = []
        for name in found:
            relative = posixpath.relpath(self.fs._strip_protocol(name), base)
            if not posixpath.basename(relative).startswith("."):
                keys.append(relative)
        return sorted(keys)


def store_from_settings(settings: Settings) -> Store:
    """The platform's store: ``ML3_DATA_URL``, or the data folder in its home."""
    url = settings.resolved_data_url()
    return Store(url, **s3_options(settings, url))


def s3_options(settings: Settings, url: str) -> dict[str, Any]:
    """s3fs options for an ``s3://`` data URL: endpoint, region, no caching.

    Listings are not cached: other processes write to the same bucket.
    """
    if not url.startswith(("s3://", "s3a://")):
        return {}
    client_kwargs: dict[str, Any] = {"region_name": settings.s3_region}
    if settings.s3_endpoint_url:
        client_kwargs["endpoint_url"] = settings.s3_endpoint_url
    return {"client_kwargs": client_kwargs, "use_listings_cache": False}
