"""Files of the non-tabular data structures: embeddings and images.

Formats (decisions, "Batches"): embeddings are a column of float arrays in a
Parquet or JSON file, or an ``.npy`` of shape (rows, dims) whose rows follow
the order of the batch's main file; images are a zip or tar of PNG/JPG files
named by a mapping CSV (id, time, ``file_name``).

An image column is stored as the file's name in the archive plus two
statistics computed from its pixels, which are what the platform monitors:
brightness, the mean grey level, and contrast, the RMS contrast (standard
deviation of the grey levels; Peli, "Contrast in complex images", JOSA A
1990), both on the 0–1 scale of ITU-R BT.601 luma as Pillow's ``L`` mode
computes it.
"""

import io
import posixpath
import tarfile
import zipfile
from collections.abc import Sequence
from typing import IO

import numpy as np
import pyarrow as pa
from PIL import Image, UnidentifiedImageError

from ml3_platform.ingest.errors import IngestError

IMAGE_STATISTICS = ("brightness", "contrast")
MAPPING_FILE_COLUMN = "file_name"
_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def statistic_column(image_column: str, statistic: str) -> str:
    """Where a batch file keeps one statistic of an image column."""
    return f"{image_column}:{statistic}"


def read_npy(source: IO[bytes], label: str) -> np.ndarray:
    """A 2-D float64 array from an ``.npy`` file (no pickled objects)."""
    try:
        array = np.load(io.BytesIO(source.read()), allow_pickle=False)
    except (ValueError, OSError) as error:
        raise IngestError(f"file '{label}' could not be read as NPY: {error}") from None
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.number):
        raise IngestError(
            f"file '{label}' must hold a numeric array of shape (rows, dims), "
            f"not {array.dtype} of shape {array.shape}"
        )
    return array.astype(np.float64)


def embedding_array(vectors: np.ndarray) -> pa.Array:
    """Rows of ``vectors`` as a list<float64> column."""
    n_rows, dims = vectors.shape
    offsets = pa.array(np.arange(0, (n_rows + 1) * dims, dims, dtype=np.int64))
    return pa.LargeListArray.from_arrays(offsets, pa.array(vectors.reshape(-1)))


def image_statistics(
    archive: IO[bytes],
    folder_type: str | None,
    names: Sequence[str],
    dims: Sequence[int],
    where: Sequence[str],
    column: str,
) -> dict[str, np.ndarray]:
    """Brightness and contrast of each named image of ``archive``.

    ``dims`` is the schema's (height, width, channels); ``where[i]`` says
    which row and sample ``names[i]`` belongs to, for messages.
    """
    files = _archive_files(archive, folder_type)
    height, width, channels = dims
    mode = _MODES.get(channels)
    if mode is None:
        raise IngestError(
            f"column '{column}': images need 1, 3 or 4 channels, the schema's "
            f"dims say {channels}"
        )
    out = {name: np.empty(len(names)) for name in IMAGE_STATISTICS}
    for row, name in enumerate(names):
        data = _find(files, name)
        if data is None:
            raise IngestError(
                f"column '{column}': file '{name}' of {where[row]} is not in the "
                "archive"
            )
        grey = _grey_levels(data, name, where[row], column, (width, height), mode)
        out["brightness"][row] = grey.mean()
        out["contrast"][row] = grey.std()
    return out


def _grey_levels(data, name, where, column, size, mode) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise IngestError(
                    f"column '{column}': file '{name}' of {where} is "
                    f"{image.format}, not PNG or JPG"
                )
            if image.size != size:
                raise IngestError(
                    f"column '{column}': image '{name}' of {where} is "
                    f"{image.size[1]}×{image.size[0]} pixels; the schema's dims "
                    f"say {size[1]}×{size[0]}"
                )
            if image.mode != mode and not _converts(image.mode, mode):
                raise IngestError(
                    f"column '{column}': image '{name}' of {where} has mode "
                    f"{image.mode}, not the schema's {mode}"
                )
            grey = image.convert("L")
            return np.asarray(grey, dtype=np.float64) / 255.0
    except (UnidentifiedImageError, OSError):
        raise IngestError(
            f"column '{column}': file '{name}' of {where} could not be read as "
            "an image"
        ) from None


def _converts(found: str, wanted: str) -> bool:
    """Modes that carry the same channels (palette and 16-bit variants)."""
    same = {"L": {"I;16", "I", "LA"}, "RGB": {"P"}, "RGBA": {"P", "RGBa"}}
    return found in same.get(wanted, set())


def _archive_files(archive: IO[bytes], folder_type: str | None) -> dict[str, bytes]:
    """Every regular file of a zip or tar, by its path in the archive."""
    data = archive.read()
    try:
        if folder_type == "zip" or (folder_type is None and data[:2] == b"PK"):
            with zipfile.ZipFile(io.BytesIO(data)) as zipped:
                return {
                    info.filename: zipped.read(info)
                    for info in zipped.infolist()
                    if not info.is_dir()
                }
        if folder_type in ("tar", None):
            with tarfile.open(fileobj=io.BytesIO(data)) as tarred:
                return {
                    member.name: tarred.extractfile(member).read()
                    for member in tarred.getmembers()
                    if member.isfile()
                }
    except (zipfile.BadZipFile, tarfile.TarError) as error:
        raise IngestError(f"the image archive could not be opened: {error}") from None
    raise IngestError(
        f"images must come as a zip or tar archive, not {folder_type}; "
        "compress the folder"
    )


def _find(files: dict[str, bytes], name: str) -> bytes | None:
    """A file by its path in the archive, or by its base name if unique."""
    wanted = name.replace("\\", "/").lstrip("./")
    if wanted in files:
        return files[wanted]
    for path, data in files.items():
        if path.lstrip("./") == wanted:
            return data
    matches = [d for p, d in files.items() if posixpath.basename(p) == wanted]
    return matches[0] if len(matches) == 1 else None
