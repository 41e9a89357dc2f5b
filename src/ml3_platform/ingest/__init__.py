"""Read tabular files and validate them against a task's data schema."""

from ml3_platform.ingest.errors import IngestError
from ml3_platform.ingest.readers import read_table
from ml3_platform.ingest.schema import Category, category_columns
from ml3_platform.ingest.validate import validate_table

__all__ = [
    "Category",
    "IngestError",
    "category_columns",
    "read_table",
    "validate_table",
]
