"""Fitted models on disk, one file per org and knowledge version.

A file is plain numpy arrays (`np.load(allow_pickle=False)`: nothing in it can run code)
with a header naming the format, the org, the knowledge version and a SHA-256 of the
arrays. A file that fails any check — truncated, another format, written for other
knowledge, or not ours at all — is logged, removed and trained again, never served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from bot.understanding.model import IntentModel

log = logging.getLogger("kombot.understanding")

FORMAT = "kombot-intent-model/1"
_ARRAYS = ("classes", "vocabulary", "idf", "coef", "intercept")


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kombot" / "models"


class ModelCache:
    def __init__(self, directory: Path):
        self.directory = directory

    def path(self, org_id: str, version: str) -> Path:
        return self.directory / f"{org_id}-{version}.npz"

    def load(self, org_id: str, version: str) -> IntentModel | None:
        path = self.path(org_id, version)
        if not path.exists():
            return None
        try:
            return _read(path, org_id, version)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
            log.warning("model cache %s rejected (%s); training again", path.name, exc)
            path.unlink(missing_ok=True)
            return None

    def save(self, model: IntentModel, org_id: str, version: str) -> None:
        """Written to a temporary file and renamed, so a reader never sees half a file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        arrays = _arrays(model)
        header = {
            "format": FORMAT,
            "org": org_id,
            "knowledge": version,
            "temperature": model.temperature,
            "sha256": _digest(arrays),
        }
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, header=np.array(json.dumps(header)), **arrays)
            os.replace(temporary, self.path(org_id, version))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for older in self.directory.glob(f"{org_id}-*.npz"):
            if older != self.path(org_id, version):
                older.unlink(missing_ok=True)  # a model of earlier knowledge is never used again


def _arrays(model: IntentModel) -> dict[str, np.ndarray]:
    vocabulary = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    return {
        "classes": np.array(model.classes),
        "vocabulary": np.array(vocabulary),
        "idf": model.idf,
        "coef": model.coef,
        "intercept": model.intercept,
    }


def _digest(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in _ARRAYS:
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()


def _read(path: Path, org_id: str, version: str) -> IntentModel:
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
        arrays = {name: data[name] for name in _ARRAYS}
    expected = {"format": FORMAT, "org": org_id, "knowledge": version}
    for key, value in expected.items():
        if header.get(key) != value:
            raise ValueError(f"{key} is {header.get(key)!r}, expected {value!r}")
    if header.get("sha256") != _digest(arrays):
        raise ValueError("checksum does not match")
    return IntentModel(
        classes=arrays["classes"].tolist(),
        vocabulary={word: i for i, word in enumerate(arrays["vocabulary"].tolist())},
        idf=arrays["idf"],
        coef=arrays["coef"],
        intercept=arrays["intercept"],
        temperature=float(header["temperature"]),
    )
