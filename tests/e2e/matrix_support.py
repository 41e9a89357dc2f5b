"""Seeded streams of every task type and data structure, as client files.

Every sample has two latent numbers z1, z2 ~ N(0, 1). The inputs show them
in the form of the data structure:

- tabular: ``x1 = z1``, ``x2 = z2`` and a colour;
- embedding: an 8-dimensional embedding ``A·z`` plus noise;
- text: a text of about ``12 + 3·z1`` words, and the embedding;
- image: an 8×8 grey image of brightness ``0.5 + 0.12·z1`` and contrast
  ``0.1 + 0.04·|z2|``, and the embedding.

The target is a function of (z1, z2) plus noise, the same for every
structure, so the concept model can learn it from any of them; predictions
are the noiseless function. Each scenario changes one thing:

- ``input``: z1 shifts by 2 (covariate shift, same P(Y | X));
- ``concept``: the target follows the mirrored function of z (P(Y | X)
  changes, the inputs do not);
- ``prediction``: the model's answers move (a constant offset or class);
- ``error``: the model's answers are shuffled across samples (their law
  stays, their error grows).
"""

import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
from PIL import Image

from ml3_platform_sdk.enums import (
    ColumnRole,
    DataStructure,
    DataType,
    FileType,
    FolderType,
    TaskType,
)
from ml3_platform_sdk.models import (
    ColumnInfo,
    DataSchema,
    EmbeddingData,
    ImageData,
    LocalDataSource,
    TabularData,
    TextData,
)
from support import unique

ID, TIME = "sample_id", "timestamp"
MODEL, VERSION = "m", "v1"
PREDICTION = f"{MODEL}@{VERSION}"
DIMS, SIDE = 8, 8
CLASSES = ["low", "mid", "high"]
LABELS = ["a", "b", "c"]
COLORS = ["red", "green", "blue"]
HISTORY_START = 1_700_000_000.0
# A fixed mixing of (z1, z2) into the embedding's dimensions.
MIXING = np.random.default_rng(99).normal(size=(DIMS, 2))


def column(name: str, role: ColumnRole, data_type: DataType, **fields) -> ColumnInfo:
    return ColumnInfo(
        name=name, role=role, is_nullable=False, data_type=data_type, **fields
    )


def schema(task_type: TaskType, structure: DataStructure) -> DataSchema:
    columns = [
        column(ID, ColumnRole.ID, DataType.STRING),
        column(TIME, ColumnRole.TIME_ID, DataType.FLOAT),
    ]
    if structure == DataStructure.TABULAR:
        columns += [
            column("x1", ColumnRole.INPUT, DataType.FLOAT),
            column("x2", ColumnRole.INPUT, DataType.FLOAT),
            column("color", ColumnRole.INPUT, DataType.CATEGORICAL,
                   possible_values=COLORS),
        ]  # fmt: skip
    elif structure == DataStructure.TEXT:
        columns.append(column("text", ColumnRole.INPUT, DataType.STRING))
    elif structure == DataStructure.IMAGE:
        columns.append(
            column("image", ColumnRole.INPUT, DataType.ARRAY_3, dims=(SIDE, SIDE, 1))
        )
    if structure != DataStructure.TABULAR:
        columns.append(
            column("embedding", ColumnRole.INPUT, DataType.ARRAY_1, dims=(DIMS,))
        )
    target = _target_column(task_type)
    return DataSchema(columns=columns + ([target] if target else []))


def _target_column(task_type: TaskType) -> ColumnInfo | None:
    if task_type == TaskType.REGRESSION:
        return column("y", ColumnRole.TARGET, DataType.FLOAT)
    if task_type == TaskType.CLASSIFICATION_BINARY:
        return column("y", ColumnRole.TARGET, DataType.CATEGORICAL,
                      possible_values=["no", "yes"])  # fmt: skip
    if task_type == TaskType.CLASSIFICATION_MULTICLASS:
        return column("y", ColumnRole.TARGET, DataType.CATEGORICAL,
                      possible_values=CLASSES)  # fmt: skip
    if task_type == TaskType.CLASSIFICATION_MULTILABEL:
        return column("y", ColumnRole.TARGET, DataType.ARRAY_1, dims=(3,),
                      classes_names=LABELS)  # fmt: skip
    return None


class Stream:
    """One batch of samples of a task, written as the client's files."""

    def __init__(
        self,
        task_type: TaskType,
        structure: DataStructure,
        prefix: str,
        n: int,
        start: float,
        seed: int,
        scenario: str = "",
    ) -> None:
        rng = np.random.default_rng(seed)
        self.task_type, self.structure = task_type, structure
        self.rng = rng
        self.n = n
        self.ids = [f"{prefix}{i}" for i in range(n)]
        self.times = start + 60.0 * np.arange(n)
        z1 = rng.normal(2.0 if scenario == "input" else 0.0, 1.0, n)
        z2 = rng.normal(0.0, 1.0, n)
        self.z = np.column_stack([z1, z2])
        sign = -1.0 if scenario == "concept" else 1.0
        self.target = self._outcome(sign * z1, z2, noisy=True)
        self.prediction = self._outcome(z1, z2, noisy=False)
        if scenario == "prediction":
            self.prediction = self._moved(self.prediction)
        if scenario == "error":
            self.prediction = self._shuffled(self.prediction)

    # --- values ----------------------------------------------------------

    def _outcome(self, z1, z2, noisy: bool):
        noise = (lambda s: self.rng.normal(0, s, self.n)) if noisy else (lambda s: 0)
        if self.task_type == TaskType.REGRESSION:
            return (2 * z1 - z2 + noise(0.1)).tolist()
        if self.task_type == TaskType.CLASSIFICATION_BINARY:
            return np.where(z1 + noise(0.3) > 0, "yes", "no").tolist()
        if self.task_type == TaskType.CLASSIFICATION_MULTICLASS:
            level = np.digitize(z1 + noise(0.3), [-0.5, 0.5])
            return [CLASSES[i] for i in level]
        labels = np.column_stack(
            [z1 + noise(0.3) > 0, z2 + noise(0.3) > 0, z1 - z2 + noise(0.3) > 0]
        )
        return labels.astype(float).tolist()

    def _moved(self, values):
        if self.task_type == TaskType.REGRESSION:
            return [v + 3.0 for v in values]
        if self.task_type == TaskType.CLASSIFICATION_BINARY:
            return ["yes"] * self.n
        if self.task_type == TaskType.CLASSIFICATION_MULTICLASS:
            return ["high"] * self.n
        return [[1.0, 1.0, 1.0]] * self.n

    def _shuffled(self, values):
        order = self.rng.permutation(self.n)
        return [values[i] for i in order]

    # --- files -----------------------------------------------------------

    def keys(self) -> dict:
        return {ID: self.ids, TIME: self.times.tolist()}

    def embeddings(self) -> np.ndarray:
        noise = self.rng.normal(0, 0.1, (self.n, DIMS))
        return self.z @ MIXING.T + noise

    def inputs(self, folder: Path):
        """The inputs as the structure's client data."""
        if self.structure == DataStructure.TABULAR:
            colors = self.rng.choice(COLORS, self.n).tolist()
            frame = pl.DataFrame(
                {**self.keys(), "x1": self.z[:, 0], "x2": self.z[:, 1],
                 "color": colors}
            )  # fmt: skip
            return TabularData(source=_file(frame, folder, FileType.CSV))
        if self.structure == DataStructure.EMBEDDING:
            frame = pl.DataFrame(
                {**self.keys(), "embedding": self.embeddings().tolist()}
            )
            return EmbeddingData(source=_file(frame, folder, FileType.PARQUET))
        embedding = _npy(self.embeddings(), folder)
        if self.structure == DataStructure.TEXT:
            words = np.clip(np.round(12 + 3 * self.z[:, 0]), 1, None).astype(int)
            texts = [" ".join(["word"] * k) for k in words]
            frame = pl.DataFrame({**self.keys(), "text": texts})
            source = _file(frame, folder, FileType.JSON)
            return TextData(source=source, embedding_source=embedding)
        return ImageData(
            source=self._archive(folder),
            mapping_source=_file(
                pl.DataFrame({**self.keys(), "file_name": self._names()}),
                folder, FileType.CSV,
            ),
            embedding_source=embedding,
        )  # fmt: skip

    def _names(self) -> list[str]:
        return [f"img/{i}.png" for i in self.ids]

    def _archive(self, folder: Path) -> LocalDataSource:
        """A zip (even seeds) or tar of PNG images."""
        brightness = 0.5 + 0.12 * self.z[:, 0]
        contrast = 0.1 + 0.04 * np.abs(self.z[:, 1])
        use_zip = len(self.ids[0]) % 2 == 0
        path = folder / f"{unique('images')}.{'zip' if use_zip else 'tar'}"
        images = {}
        for row, name in enumerate(self._names()):
            pixels = brightness[row] + contrast[row] * self.rng.normal(
                size=(SIDE, SIDE)
            )
            grey = np.clip(np.round(pixels * 255), 0, 255).astype(np.uint8)
            buffer = io.BytesIO()
            Image.fromarray(grey, mode="L").save(buffer, format="PNG")
            images[name] = buffer.getvalue()
        if use_zip:
            with zipfile.ZipFile(path, "w") as archive:
                for name, data in images.items():
                    archive.writestr(name, data)
        else:
            with tarfile.open(path, "w") as archive:
                for name, data in images.items():
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
        folder_type = FolderType.ZIP if use_zip else FolderType.TAR
        return LocalDataSource(
            file_path=str(path), file_type=FileType.PNG, is_folder=True,
            folder_type=folder_type,
        )  # fmt: skip

    def target_data(self, folder: Path) -> TabularData:
        frame = pl.DataFrame({**self.keys(), "y": self.target})
        return TabularData(source=_file(frame, folder, self._label_type()))

    def prediction_data(self, folder: Path) -> TabularData:
        frame = pl.DataFrame({**self.keys(), PREDICTION: self.prediction})
        return TabularData(source=_file(frame, folder, self._label_type()))

    def _label_type(self) -> FileType:
        # Arrays of labels travel in JSON; the rest in CSV.
        if self.task_type == TaskType.CLASSIFICATION_MULTILABEL:
            return FileType.JSON
        return FileType.CSV


def _file(frame: pl.DataFrame, folder: Path, file_type: FileType) -> LocalDataSource:
    path = folder / f"{unique('data')}.{file_type.value}"
    if file_type == FileType.CSV:
        frame.write_csv(path)
    elif file_type == FileType.JSON:
        path.write_text(json.dumps(frame.to_dicts()))
    else:
        frame.write_parquet(path)
    return LocalDataSource(file_path=str(path), file_type=file_type, is_folder=False)


def _npy(values: np.ndarray, folder: Path) -> LocalDataSource:
    path = folder / f"{unique('embedding')}.npy"
    np.save(path, values)
    return LocalDataSource(file_path=str(path), file_type=FileType.NPY, is_folder=False)
