"""The installation's Ed25519 signing key, and the public keys other installations are known by.

A venue laptop signs the meeting bundles it exports with its own key (settings.SIGNING_KEY_FILE, made
once by `manage.py signing_key`); the county verifies them with the public key its township registered
for the village (portal.models.VenueKey). A public key travels as the base64 of its 32 raw bytes; its
fingerprint is the SHA-256 of those bytes, which a person compares by reading it aloud or on paper.
"""

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

PUBLIC_KEY_BYTES = 32


class SigningKeyError(Exception):
    """The key file is missing, unreadable or not an Ed25519 key; the message says which."""


def public_text(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def fingerprint(public_key_text: str) -> str:
    """SHA-256 of the raw public key, in hex: what two people compare."""
    return hashlib.sha256(base64.b64decode(public_key_text)).hexdigest()


def parse_public(text: str) -> Ed25519PublicKey:
    """A public key from its base64 text; ValueError if it is not one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as error:
        raise ValueError("not base64") from error
    if len(raw) != PUBLIC_KEY_BYTES:
        raise ValueError("not 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def create_key_file(path: Path | None = None) -> Ed25519PublicKey:
    """Write a new private key to the file, readable by its owner only; refuse to overwrite one."""
    path = Path(path or settings.SIGNING_KEY_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # O_EXCL: an existing key is never replaced, even by two commands at once.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    return key.public_key()


def load_private(path: Path | None = None) -> Ed25519PrivateKey:
    path = Path(path or settings.SIGNING_KEY_FILE)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as error:
        raise SigningKeyError(f"no signing key at {path}: run `manage.py signing_key --create`") from error
    except ValueError as error:
        raise SigningKeyError(f"{path} holds no readable private key") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} holds a key that is not Ed25519")
    return key


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    """The base64 signature of the message under the key."""
    return base64.b64encode(key.sign(message)).decode()


def verifies(public_key_text: str, message: bytes, signature_text: str) -> bool:
    try:
        parse_public(public_key_text).verify(base64.b64decode(signature_text, validate=True), message)
    except (ValueError, binascii.Error, InvalidSignature):
        return False
    return True
