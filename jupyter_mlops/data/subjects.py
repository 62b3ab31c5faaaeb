"""Salted hashes of data subjects' ids: an erasure request is recorded without the id itself.

`subject_hash(id) = HMAC-SHA256(key = bytes.fromhex(salt), message = str(id) as UTF-8)`, hex. The
salt is 32 random bytes stored as 64 hex characters in `.jupyter-mlops/secrets/subject-salt`
(0600, gitignored). A service that refuses to score erased subjects needs the same salt,
deployed as a secret: without it the recorded hashes cannot be linked back to anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile

from ..project import Project, ProjectError
from .errors import SnapshotError

SALT_FILE = ("secrets", "subject-salt")
ALGORITHM = "hmac-sha256"


def _read_salt(path: str) -> bytes:
    with open(path, encoding="ascii") as fh:
        text = fh.read().strip()
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        raise ProjectError(f"{path}: the subject salt is not hex; restore it from a backup") from None
    if len(salt) < 16:
        raise ProjectError(f"{path}: the subject salt is too short; restore it from a backup")
    return salt


def subject_salt(project: Project, create: bool = True) -> bytes:
    """The project's salt, created (0600) on first use when `create`."""
    path = project.path(*SALT_FILE)
    if path.exists():
        return _read_salt(str(path))
    if not create:
        raise ProjectError(f"{path}: this project has no subject salt yet")
    folder = project.ensure_dir("secrets", mode=0o700)
    try:
        os.chmod(folder, 0o700)
        fd, tmp = tempfile.mkstemp(prefix=".salt-", dir=folder)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # two processes creating it at once keep one salt
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    except OSError as exc:
        raise ProjectError(f"{folder}: cannot create the subject salt: {exc.strerror}") from None
    return _read_salt(str(path))


def subject_hash(subject_id: object, project: Project | None = None) -> str:
    """The salted hash recorded for a data subject (a customer id, an e-mail address, ...)."""
    project = project or Project.find()
    text = str(subject_id)
    if not text:
        raise SnapshotError("a subject id cannot be empty")
    return hmac.new(subject_salt(project), text.encode("utf-8"), hashlib.sha256).hexdigest()
