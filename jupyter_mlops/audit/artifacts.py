"""Content-addressed artifacts: `.jupyter-mlops/artifacts/sha256/ab/cdef...`, read-only copies.

A model file registered today is the same bytes tomorrow: the store keeps its own copy named by
its sha256, and `verify` re-hashes it (the promotion gate does, every time).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..project import Project, ProjectError
from .errors import ArtifactMissingError

_CHUNK = 1 << 20
_DIGEST = re.compile(r"[0-9a-f]{64}")


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class ArtifactStore:
    project: Project

    @property
    def root(self) -> Path:
        return self.project.state_dir / "artifacts" / "sha256"

    def path(self, digest: str) -> Path:
        """Where the artifact with this sha256 is; raises ArtifactMissingError when absent."""
        p = self._where(digest)
        if not p.is_file():
            raise ArtifactMissingError(f"no artifact sha256:{digest[:16]}... in {self.root}")
        return p

    def has(self, digest: str) -> bool:
        return _DIGEST.fullmatch(digest or "") is not None and self._where(digest).is_file()

    def _where(self, digest: str) -> Path:
        if not _DIGEST.fullmatch(digest or ""):
            raise ArtifactMissingError(f"{digest!r} is not a sha256 digest")
        return self.root / digest[:2] / digest[2:]

    def put_file(self, path: str | os.PathLike[str]) -> str:
        """Copy a file into the store (hashing while copying); returns its sha256."""
        src = Path(path)
        if not src.is_file():
            raise ArtifactMissingError(f"{src}: no such file")
        folder = self.project.ensure_dir("artifacts", "sha256")
        tmp = ""
        h = hashlib.sha256()
        try:
            fd, tmp = tempfile.mkstemp(prefix=".put-", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "wb") as out, open(src, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    h.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._commit(tmp, h.hexdigest())
        except OSError as exc:
            raise ProjectError(f"{src}: cannot store the artifact in {folder}: {exc.strerror}") from None
        finally:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)

    def put_bytes(self, data: bytes) -> str:
        folder = self.project.ensure_dir("artifacts", "sha256")
        digest = hashlib.sha256(data).hexdigest()
        if self.has(digest):
            return digest
        tmp = ""
        try:
            fd, tmp = tempfile.mkstemp(prefix=".put-", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            return self._commit(tmp, digest)
        except OSError as exc:
            raise ProjectError(f"cannot store an artifact in {folder}: {exc.strerror}") from None
        finally:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)

    def _commit(self, tmp: str, digest: str) -> str:
        target = self._where(digest)
        if target.is_file() and self.verify(digest):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
        return digest

    def verify(self, digest: str) -> bool:
        """Do the stored bytes still hash to `digest`?"""
        try:
            return sha256_file(self.path(digest)) == digest
        except (ArtifactMissingError, OSError):
            return False

    def copy_to(self, digest: str, dest: str | os.PathLike[str]) -> Path:
        out = Path(dest)
        shutil.copyfile(self.path(digest), out)
        return out
