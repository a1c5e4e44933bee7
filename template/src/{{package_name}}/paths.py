"""Where every file of the pipeline lives, relative to the project root, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProjectPaths:
    """Paths of the data, models and reports of a project rooted at root."""

    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def staging(self) -> Path:
        return self.root / "data" / "staging"

    @property
    def transformed(self) -> Path:
        return self.root / "data" / "transformed"

    @property
    def predictions(self) -> Path:
        return self.root / "data" / "predictions"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def metadata(self) -> Path:
        return self.root / "models" / "metadata"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def raw_file(self, dataset: str) -> Path:
        return self.raw / f"{dataset}.csv"

    def staging_file(self, dataset: str) -> Path:
        return self.staging / f"{dataset}.parquet"

    def train_file(self, dataset: str) -> Path:
        return self.transformed / f"{dataset}-train.parquet"

    def test_file(self, dataset: str) -> Path:
        return self.transformed / f"{dataset}-test.parquet"

    @property
    def metrics_file(self) -> Path:
        return self.reports / "metrics.json"

    @property
    def confusion_file(self) -> Path:
        return self.reports / "plots" / "confusion.csv"

    def resolve(self, path: str | Path) -> Path:
        """A path from params or the command line, relative to the project root."""
        path = Path(path)
        return path if path.is_absolute() else self.root / path
