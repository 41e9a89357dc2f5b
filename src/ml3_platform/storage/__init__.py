"""Where the platform keeps its files: uploads, batches, references."""

from ml3_platform.storage.store import Store, store_from_settings

__all__ = ["Store", "store_from_settings"]
