"""What understanding builds from the knowledge, kept on disk per knowledge version.

Each file is plain numpy arrays (`np.load(allow_pickle=False)`: nothing in it can run
code) with a header naming the format, what it is (an org's model, the language
detector), the knowledge version and a SHA-256 of the arrays. A file that fails any
check — truncated, another format, written for other knowledge, or not ours at all —
is logged, removed and built again, never used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger("kombot.understanding")

FORMAT = "kombot-understanding/3"
Arrays = dict[str, np.ndarray]
CHECKSUM = "sha256"  # in a mapped folder, beside its .npy files


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kombot" / "models"


class ModelCache:
    def __init__(self, directory: Path):
        self.directory = directory

    def path(self, name: str, version: str) -> Path:
        return self.directory / f"{name}-{version}.npz"

    def load(self, name: str, version: str) -> Arrays | None:
        """The arrays, when a sound file for `name` and `version` is there."""
        path = self.path(name, version)
        if not path.exists():
            return None
        try:
            return _read(path, name, version)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
            log.warning("model cache %s rejected (%s); building it again", path.name, exc)
            path.unlink(missing_ok=True)
            return None

    def save(self, name: str, version: str, arrays: Arrays) -> None:
        """Written to a temporary file and renamed, so a reader never sees half a file;
        files of the same name for earlier knowledge are removed."""
        self.directory.mkdir(parents=True, exist_ok=True)
        header = {"format": FORMAT, "name": name, "knowledge": version, "sha256": _digest(arrays)}
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, header=np.array(json.dumps(header)), **arrays)
            os.replace(temporary, self.path(name, version))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for older in self._older(name, version):
            if older.suffix == ".npz" and older != self.path(name, version):
                older.unlink(missing_ok=True)

    def mapped(
        self, name: str, version: str, build: Callable[[], Arrays], verified: bool = False
    ) -> Arrays:
        """Arrays too large to hold in every process, as .npy files in a folder mapped
        read-only: the processes share their pages, and only pages read are resident.
        Built once (in a temporary folder, then renamed). `verified` checks the files
        against the SHA-256 written with them on every load, reading them through the
        page cache rather than the map, so a changed value is caught as in an .npz file
        (worth it for an org's model, whose pages its questions make resident anyway;
        not for py3langid's tables, read a cell at a time). A folder that does not load
        or check is removed and built again."""
        folder = self.directory / f"{name}-{version}"
        try:
            if not folder.is_dir():
                return self._unpack(name, version, folder, build)
            if verified and (folder / CHECKSUM).read_text() != _files_digest(folder, name, version):
                raise ValueError("checksum does not match")
            return _mapped(folder)
        except (OSError, ValueError) as exc:
            log.warning("mapped arrays %s rejected (%s); building them again", folder.name, exc)
            shutil.rmtree(folder, ignore_errors=True)
            return self._unpack(name, version, folder, build)

    def _unpack(self, name: str, version: str, folder: Path, build: Callable[[], Arrays]) -> Arrays:
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(dir=self.directory, suffix=".tmp"))
        try:
            for key, array in build().items():
                np.save(temporary / f"{key}.npy", array, allow_pickle=False)
            (temporary / CHECKSUM).write_text(_files_digest(temporary, name, version))
            os.replace(temporary, folder)
        except OSError:
            if not folder.is_dir():  # else another process unpacked it first
                raise
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        for older in self._older(name, version):
            if older.is_dir() and older != folder:
                shutil.rmtree(older, ignore_errors=True)
            elif older.suffix == ".npz":  # an org's model as it was cached before
                older.unlink(missing_ok=True)
        return _mapped(folder)

    def _older(self, name: str, version: str) -> list[Path]:
        """What was cached for `name` under any version: not "region-nordjylland-…" for a
        name "region" (its versions have as many dashes as this one)."""
        dashes = version.count("-")
        return [
            path
            for path in self.directory.glob(f"{name}-*")
            if path.name.removeprefix(f"{name}-").removesuffix(".npz").count("-") == dashes
        ]


def _mapped(folder: Path) -> Arrays:
    arrays = {p.stem: np.load(p, mmap_mode="r", allow_pickle=False) for p in folder.glob("*.npy")}
    if not arrays:
        raise ValueError("no arrays")
    return arrays


def _files_digest(folder: Path, name: str, version: str) -> str:
    """Over what the folder is for and its files' bytes, read (not mapped)."""
    digest = hashlib.sha256(f"{name}\n{version}\n".encode())
    for path in sorted(folder.glob("*.npy")):
        digest.update(path.name.encode())
        with path.open("rb") as data:
            for chunk in iter(lambda: data.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _digest(arrays: Arrays) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()


def _read(path: Path, name: str, version: str) -> Arrays:
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
        arrays = {key: data[key] for key in data.files if key != "header"}
    expected = {"format": FORMAT, "name": name, "knowledge": version}
    for key, value in expected.items():
        if header.get(key) != value:
            raise ValueError(f"{key} is {header.get(key)!r}, expected {value!r}")
    if header.get("sha256") != _digest(arrays):
        raise ValueError("checksum does not match")
    return arrays
