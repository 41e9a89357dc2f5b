"""The samples a task already holds, found through the database.

Every sample of a committed batch has a row in ``sample_hashes``: a 64-bit
key that mixes the hash of its id (`ml3_platform.ingest.ids`) with the
batch's task, category and model version, and the integer id of the batch's
``hashed_batches`` row. The job that stores a batch writes them in the
transaction that adds the ``Batch`` row, so a failed job, or one still
running, leaves none, and a job's own batches are left out of its checks as
any other ``Batch`` rows of it are. Asking "which of these ids does the task
already have?" is one statement, a look-up in the key's index per id
(``= ANY`` of an array on PostgreSQL, ``IN`` a ``json_each`` table on
SQLite), whatever the number of stored batches; then only the batches that
a key points at are read, and their ids compared, so a hash collision can
never turn into a wrong answer.

Why one mixed key and an integer batch id, rather than an index on (task,
category, model version, hash) with the batch's text id: each sample's row
and index entries then hold some 16 bytes instead of about 100 of repeated
identifiers, inserts are about twice as fast, and the same ids in other
tasks or categories (targets and predictions carry their inputs' ids) do
not share index entries. The batch's scope is still checked on its
``Batch`` row, so a key that collides across scopes only costs a read. The
key must never change between releases, since the rows outlive the process.

Batches stored before revision 0801 have no ``hashed_batches`` row: they are
found, as then, through the sidecar file of id hashes that every batch file
still gets. Batches that the customer storage policy left in the customer's
store are read through `ml3_platform.pipeline.remote_sources.BatchReader`,
which fetches them again; their keys are written at ingestion like any
other's.
"""

import json
from collections import defaultdict
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import BigInteger, Select, any_, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Batch, HashedBatch, SampleHash
from ml3_platform.ingest.ids import hash_ids, member_mask
from ml3_platform.settings import Settings
from ml3_platform.storage import Store

# Batch ids per IN list: under SQLite's oldest limit of 999 variables.
_SQLITE_CHUNK = 900


def batch_key(task_id: str, job_id: str, category: str, model_version_id: str) -> str:
    """Where a job keeps one category of its batch (docs/architecture.md)."""
    suffix = f"-{model_version_id}" if model_version_id else ""
    return f"{batch_folder(task_id, job_id)}/{category}{suffix}.parquet"


def batch_folder(task_id: str, job_id: str) -> str:
    return f"tasks/{task_id}/batches/{job_id}"


def ids_key(storage_key: str) -> str:
    """The sidecar with the hashes of a batch file's sample ids."""
    return storage_key.removesuffix(".parquet") + ".ids.parquet"


def sample_keys(
    ids: pa.Array | pa.ChunkedArray,
    task_id: str,
    category: str,
    model_version_id: str = "",
) -> np.ndarray:
    """The ``sample_hashes`` key of each id: its hash XOR its scope's, signed.

    XOR with one value per scope keeps distinct hashes distinct within it.
    """
    scope = hash_ids(pa.array([f"{task_id}/{category}/{model_version_id}"]))[0]
    return (hash_ids(ids) ^ scope).view(np.int64)


def add_sample_keys(
    session: Session, batch: Batch, ids: pa.Array | pa.ChunkedArray
) -> None:
    """Write the keys of ``batch``'s samples, in ``session``'s transaction."""
    session.flush()  # gives ``batch`` its id
    hashed = HashedBatch(batch_id=batch.id)
    session.add(hashed)
    session.flush()  # and ``hashed`` the one the keys refer to
    keys = sample_keys(ids, batch.task_id, batch.category, batch.model_version_id)
    # Two ids of one batch whose hashes collide need one row: the ids decide.
    keys = np.unique(keys)
    # One statement, however many samples: an ORM insert of a row per key
    # costs several times the database's own work.
    if _dialect(session) == "postgresql":
        values = select(func.unnest(_key_array(keys)), bindparam("batch", hashed.id))
    else:
        listed = _json_keys(keys)
        values = select(listed.c.value, bindparam("batch", hashed.id))
    session.execute(insert(SampleHash).from_select(["key", "hashed_batch_id"], values))


class SampleIndex:
    """Sample ids of a task's committed batches, by category and model version.

    Batches of ``job_id`` are left out: they belong to the job that asks.
    ``id_column`` is the schema's id column, which every batch file has.
    """

    def __init__(
        self,
        session: Session,
        store: Store,
        task_id: str,
        job_id: str,
        id_column: str,
        settings: Settings | None = None,
    ) -> None:
        # Late import: the reader re-reads remote pointers, and its module
        # needs this one's keys.
        from ml3_platform.pipeline.remote_sources import BatchReader

        self._session = session
        self._reader = BatchReader(session, store, settings)
        self._task_id = task_id
        self._job_id = job_id
        self._id = id_column
        self._sidecars: dict[str, np.ndarray] = {}

    def model_version_ids(self, category: str) -> list[str]:
        """Model versions with stored batches of ``category``."""
        found = self._session.scalars(
            self._others()
            .with_only_columns(Batch.model_version_id)
            .where(Batch.category == category, Batch.model_version_id != "")
            .distinct()
        )
        return sorted(found)

    def known(
        self, ids: pa.Array, category: str, model_version_id: str = ""
    ) -> np.ndarray:
        """For each id, whether the task already has it in ``category``."""
        ids = _as_ids(ids)
        found = np.zeros(len(ids), dtype=bool)
        for batch, hits in self._hits(ids, category, model_version_id):
            stored = self._reader.read(batch, columns=[self._id])
            rows = np.flatnonzero(hits)
            exact = pc.is_in(ids.take(rows), value_set=self._ids_of(stored))
            found[rows[exact.to_numpy(zero_copy_only=False)]] = True
        return found

    def rows(
        self, ids: pa.Array, category: str, model_version_id: str = ""
    ) -> pa.Table | None:
        """Stored rows of ``category`` whose id is among ``ids``, or None."""
        ids = _as_ids(ids)
        parts = []
        for batch, _ in self._hits(ids, category, model_version_id):
            stored = self._reader.read(batch)
            wanted = pc.is_in(self._ids_of(stored), value_set=ids)
            parts.append(stored.filter(wanted))
        if not parts:
            return None
        return pa.concat_tables(parts)

    def _hits(
        self, ids: pa.Array, category: str, model_version_id: str
    ) -> Iterator[tuple[Batch, np.ndarray]]:
        """Batches that may hold some of ``ids``, oldest first, with a mask
        of those ids."""
        if len(ids) == 0:
            return
        keys = sample_keys(ids, self._task_id, category, model_version_id)
        by_batch = self._keys_found(keys)
        scope = self._others().where(
            Batch.category == category, Batch.model_version_id == model_version_id
        )
        unhashed = scope.outerjoin(HashedBatch).where(HashedBatch.id.is_(None))
        batches = [(batch, None) for batch in self._session.scalars(unhashed)]
        for chunk in _chunks(list(by_batch)):
            hashed = scope.join(HashedBatch).where(HashedBatch.id.in_(chunk))
            batches.extend(self._session.execute(hashed.add_columns(HashedBatch.id)))
        batches.sort(key=lambda found: (found[0].seq, found[0].created_at))

        hashes = None
        for batch, hashed_id in batches:
            if hashed_id is not None:
                hits = np.isin(keys, by_batch[hashed_id])
            else:
                hashes = hash_ids(ids) if hashes is None else hashes
                hits = member_mask(hashes, self._sidecar(batch))
            if hits.any():
                yield batch, hits

    def _keys_found(self, keys: np.ndarray) -> dict[int, np.ndarray]:
        """Of ``keys``, those stored, by the ``HashedBatch`` that holds them."""
        # By key alone, so the database walks the key's index; `_hits` keeps
        # the batches of the scope.
        query = select(SampleHash.key, SampleHash.hashed_batch_id)
        found: dict[int, list[int]] = defaultdict(list)
        if _dialect(self._session) == "postgresql":
            query = query.where(SampleHash.key == any_(_key_array(keys)))
        else:
            query = query.where(SampleHash.key.in_(select(_json_keys(keys).c.value)))
        for key, hashed_id in self._session.execute(query):
            found[hashed_id].append(key)
        return {hashed: np.array(k, np.int64) for hashed, k in found.items()}

    def _others(self) -> Select:
        """The task's committed batches, but for the asking job's."""
        return select(Batch).where(
            Batch.task_id == self._task_id, Batch.job_id != self._job_id
        )

    def _sidecar(self, batch: Batch) -> np.ndarray:
        if batch.id not in self._sidecars:
            self._sidecars[batch.id] = self._reader.id_hashes(batch, self._id)
        return self._sidecars[batch.id]

    def _ids_of(self, table: pa.Table) -> pa.Array:
        return _as_ids(table.column(self._id))


def _chunks(values: list) -> Iterator[list]:
    """``values`` in pieces that fit one SQLite statement."""
    for start in range(0, len(values), _SQLITE_CHUNK):
        yield values[start : start + _SQLITE_CHUNK]


def _key_array(keys: np.ndarray):
    """PostgreSQL: the keys as one array parameter."""
    return bindparam("keys", keys.tolist(), type_=ARRAY(BigInteger))


def _json_keys(keys: np.ndarray):
    """SQLite: the keys as a table of one parameter, so no statement meets
    the limit on variables; JSON integers of 64 bits read back exactly."""
    text = json.dumps(keys.tolist())
    return func.json_each(bindparam("keys", text)).table_valued("value")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _as_ids(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    return ids.cast(pa.large_string())
