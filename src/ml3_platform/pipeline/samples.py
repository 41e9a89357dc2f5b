"""The samples a task already holds, found through stored batches.

Each stored batch file has a sidecar with the 64-bit hashes of its sample ids
(`ml3_platform.ingest.ids`). Asking "which of these ids does the task already
have?" reads the sidecars (8 bytes per sample), and then, only for the
batches that a hash points at, the ids themselves, so a hash collision can
never turn into a wrong answer.

Batches that the customer storage policy left in the customer's store are
read through `ml3_platform.pipeline.remote_sources.BatchReader`, which
fetches them again.

Only batches with a committed ``Batch`` row count: files of a job that failed
or is running again are ignored, which keeps a job that runs twice correct.
"""

from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Batch
from ml3_platform.ingest.ids import hash_ids, member_mask
from ml3_platform.settings import Settings
from ml3_platform.storage import Store


def batch_key(task_id: str, job_id: str, category: str, model_version_id: str) -> str:
    """Where a job keeps one category of its batch (docs/architecture.md)."""
    suffix = f"-{model_version_id}" if model_version_id else ""
    return f"{batch_folder(task_id, job_id)}/{category}{suffix}.parquet"


def batch_folder(task_id: str, job_id: str) -> str:
    return f"tasks/{task_id}/batches/{job_id}"


def ids_key(storage_key: str) -> str:
    """The sidecar with the hashes of a batch file's sample ids."""
    return storage_key.removesuffix(".parquet") + ".ids.parquet"


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

        self._reader = BatchReader(session, store, settings)
        self._store = store
        self._id = id_column
        self._batches: dict[tuple[str, str], list[Batch]] = defaultdict(list)
        rows = session.scalars(
            select(Batch)
            .where(Batch.task_id == task_id, Batch.job_id != job_id)
            .order_by(Batch.seq, Batch.created_at)
        )
        for batch in rows:
            self._batches[batch.category, batch.model_version_id].append(batch)
        self._hashes: dict[str, np.ndarray] = {}

    def batches(self, category: str, model_version_id: str = "") -> list[Batch]:
        return self._batches[category, model_version_id]

    def model_version_ids(self, category: str) -> list[str]:
        """Model versions with stored batches of ``category``."""
        return sorted({mv for cat, mv in self._batches if cat == category and mv})

    def known(
        self, ids: pa.Array, category: str, model_version_id: str = ""
    ) -> np.ndarray:
        """For each id, whether the task already has it in ``category``."""
        ids = _as_ids(ids)
        hashes = hash_ids(ids)
        found = np.zeros(len(ids), dtype=bool)
        for batch, hits in self._hits(hashes, category, model_version_id):
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
        hashes = hash_ids(ids)
        parts = []
        for batch, _ in self._hits(hashes, category, model_version_id):
            stored = self._reader.read(batch)
            wanted = pc.is_in(self._ids_of(stored), value_set=ids)
            parts.append(stored.filter(wanted))
        if not parts:
            return None
        return pa.concat_tables(parts)

    def _hits(self, hashes: np.ndarray, category: str, model_version_id: str):
        for batch in self.batches(category, model_version_id):
            hits = member_mask(hashes, self._batch_hashes(batch))
            if hits.any():
                yield batch, hits

    def _batch_hashes(self, batch: Batch) -> np.ndarray:
        if batch.id not in self._hashes:
            self._hashes[batch.id] = self._reader.id_hashes(batch, self._id)
        return self._hashes[batch.id]

    def _ids_of(self, table: pa.Table) -> pa.Array:
        return _as_ids(table.column(self._id))


def _as_ids(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    return ids.cast(pa.large_string())
