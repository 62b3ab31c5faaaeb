"""Each person's ed25519 signing key, kept in their config folder and never in a project.

`$XDG_CONFIG_HOME/jupyter-mlops/keys/` (default `~/.config/jupyter-mlops/keys/`), folder 0700:
- `ed25519.key`: the active private key (PKCS#8 PEM, 0600); `ed25519.pub`: its public key;
- `retired/<fingerprint>.key`: keys replaced by a rotation, kept (0600) only so that a project
  which has not yet seen the rotation can be told about it, signed by the key it knows.
The private key is never printed, logged or written anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .errors import KeyStoreError

ACTIVE = "ed25519.key"
PUBLIC = "ed25519.pub"
RETIRED = "retired"


def fingerprint(public_raw: bytes) -> str:
    """The key's id everywhere in the record: sha256 of the 32 raw public-key bytes, hex."""
    return hashlib.sha256(public_raw).hexdigest()


def public_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def verify_signature(public: Ed25519PublicKey, signature_b64: str, message: bytes) -> bool:
    try:
        public.verify(base64.b64decode(signature_b64, validate=True), message)
        return True
    except (InvalidSignature, ValueError):
        return False


@dataclass(frozen=True)
class SigningKey:
    """An ed25519 private key with its public half. `repr` never shows the private key."""

    _private: Ed25519PrivateKey
    public_raw: bytes

    @classmethod
    def from_private(cls, private: Ed25519PrivateKey) -> SigningKey:
        raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                serialization.PublicFormat.Raw)
        return cls(private, raw)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls.from_private(Ed25519PrivateKey.generate())

    def __repr__(self) -> str:
        return f"SigningKey(fingerprint={self.fingerprint[:16]}...)"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode("ascii")

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._private.public_key()

    def public_pem(self) -> str:
        return self.public_key.public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self._private.sign(message)).decode("ascii")

    def sign_raw(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def _pem(self) -> bytes:
        return self._private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())


def key_dir() -> Path:
    """`$JUPYTER_MLOPS_KEY_DIR` (CI robots, tests), else `$XDG_CONFIG_HOME/jupyter-mlops/keys`."""
    explicit = os.environ.get("JUPYTER_MLOPS_KEY_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "jupyter-mlops" / "keys"


def _write_private(path: Path, key: SigningKey) -> None:
    """Write a private key file 0600 from the first byte (never world-readable, even briefly)."""
    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key._pem())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read_private(path: Path) -> SigningKey:
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyStoreError(f"{path}: not an unencrypted ed25519 private key ({exc})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyStoreError(f"{path}: not an ed25519 key")
    return SigningKey.from_private(private)


@dataclass(frozen=True)
class KeyStore:
    folder: Path

    @classmethod
    def default(cls) -> KeyStore:
        return cls(key_dir())

    def _ensure(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.folder, 0o700)
        except OSError as exc:
            raise KeyStoreError(f"{self.folder}: cannot create the key folder: {exc.strerror}") from None

    def load_or_create(self) -> SigningKey:
        path = self.folder / ACTIVE
        if path.exists():
            return self._load(path)
        self._ensure()
        key = SigningKey.generate()
        try:
            # O_EXCL semantics through link: two processes creating at once keep one key
            fd, tmp = tempfile.mkstemp(prefix=".key-", dir=self.folder)
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key._pem())
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                return self._load(path)
            finally:
                os.unlink(tmp)
            self._write_public(key)
        except OSError as exc:
            raise KeyStoreError(f"{self.folder}: cannot write the signing key: {exc.strerror}") from None
        return key

    def _load(self, path: Path) -> SigningKey:
        try:
            mode = path.stat().st_mode & 0o777
            if mode & 0o077:
                os.chmod(path, 0o600)  # a copied key file got looser permissions: tighten them
            return _read_private(path)
        except OSError as exc:
            raise KeyStoreError(f"{path}: cannot read the signing key: {exc.strerror}") from None

    def _write_public(self, key: SigningKey) -> None:
        (self.folder / PUBLIC).write_text(key.public_pem(), encoding="ascii")

    def retired(self) -> list[SigningKey]:
        folder = self.folder / RETIRED
        if not folder.is_dir():
            return []
        return [self._load(p) for p in sorted(folder.glob("*.key"))]

    def replace_active(self, new: SigningKey) -> SigningKey:
        """Make `new` the active key; the old one moves to `retired/`. Returns the old key."""
        old = self.load_or_create()
        try:
            (self.folder / RETIRED).mkdir(exist_ok=True, mode=0o700)
            _write_private(self.folder / RETIRED / f"{old.fingerprint}.key", old)
            _write_private(self.folder / ACTIVE, new)
            self._write_public(new)
        except OSError as exc:
            raise KeyStoreError(f"{self.folder}: cannot rotate the signing key: {exc.strerror}") from None
        return old


__all__ = ["KeyStore", "SigningKey", "fingerprint", "key_dir", "public_from_b64", "verify_signature"]
