"""The sealed bundle's envelope, with no database: members in a zip, a manifest of their SHA-256, and the
manifest's signature. Standard library only; the signing and verifying functions are passed in
(portal.signing), so that this module can be read and tested alone.

Layout of the zip: `manifest.json` (format, village, year, version, the signing key and the SHA-256 of
every other member), `manifest.sig` (the Ed25519 signature of manifest.json's bytes, base64) and the
members it lists. Nothing else may be in it.
"""

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


class BundleRefused(Exception):
    """The bundle fails a check; `check` names it (a member, the manifest, the signature, the key...)."""

    def __init__(self, check: str, **params):
        super().__init__(check, params)
        self.check = check
        self.params = params


def canonical_json(data) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack(members: dict[str, bytes], header: dict, *, public_key: str, sign: Callable[[bytes], str]) -> bytes:
    """The zip: `header` plus the members' digests, signed by `sign` (bytes → base64 signature)."""
    manifest = {
        **header,
        "format": FORMAT,
        # The key is inside what it signs, so that a signature cannot be moved to another key's manifest.
        "public_key": public_key,
        "members": {name: sha256(data) for name, data in members.items()},
    }
    manifest_bytes = canonical_json(manifest)
    signature = sign(manifest_bytes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, signature)
        for name in sorted(members):
            archive.writestr(name, members[name])
    return out.getvalue()


@dataclass(frozen=True)
class Bundle:
    manifest: dict
    manifest_bytes: bytes
    signature: str
    members: dict[str, bytes]

    @property
    def digest(self) -> str:
        """What the bundle is known by: the SHA-256 of its manifest, which pins every member."""
        return sha256(self.manifest_bytes)

    def json(self, name: str):
        return json.loads(self.members[name])


def unpack(data: bytes, *, max_unpacked: int) -> Bundle:
    """Read the zip, refusing what is not a bundle; checks nothing of its digests or signature yet."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > max_unpacked:
            raise BundleRefused("too_large")
        files = {info.filename: archive.read(info) for info in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, KeyError) as error:
        raise BundleRefused("not_a_bundle") from error
    if MANIFEST not in files or SIGNATURE not in files:
        raise BundleRefused("not_a_bundle")
    try:
        manifest = json.loads(files[MANIFEST])
        signature = files[SIGNATURE].decode("ascii").strip()
    except (ValueError, UnicodeDecodeError) as error:
        raise BundleRefused("manifest_unreadable") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleRefused("manifest_unreadable")
    members = {name: content for name, content in files.items() if name not in {MANIFEST, SIGNATURE}}
    return Bundle(manifest, files[MANIFEST], signature, members)


def check_members(bundle: Bundle) -> None:
    """Every member the manifest lists is there with its digest, and nothing else is."""
    listed = bundle.manifest.get("members")
    if not isinstance(listed, dict):
        raise BundleRefused("manifest_unreadable")
    for name in sorted(listed):
        if name not in bundle.members:
            raise BundleRefused("member_missing", member=name)
        if sha256(bundle.members[name]) != listed[name]:
            raise BundleRefused("member_altered", member=name)
    for name in sorted(set(bundle.members) - set(listed)):
        raise BundleRefused("member_unlisted", member=name)


def check_signature(bundle: Bundle, verifies: Callable[[str, bytes, str], bool]) -> None:
    if not verifies(str(bundle.manifest.get("public_key", "")), bundle.manifest_bytes, bundle.signature):
        raise BundleRefused("signature_invalid")


def audit_anchor(bundle: Bundle) -> dict:
    """The venue's audit chain as the manifest pins it ({"chain", "seq", "hash"}), checked for shape;
    {} for a bundle from before anchors were signed in. Raises BundleRefused when it is malformed."""
    anchor = bundle.manifest.get("audit_anchor")
    if anchor is None:
        return {}
    shape = (
        isinstance(anchor, dict)
        and isinstance(anchor.get("chain"), str)
        and isinstance(anchor.get("seq"), int)
        and anchor["seq"] >= 1
        and isinstance(anchor.get("hash"), str)
        and len(anchor["hash"]) == 64
        and all(symbol in "0123456789abcdef" for symbol in anchor["hash"])
    )
    if not shape:
        raise BundleRefused("manifest_unreadable")
    return {"chain": anchor["chain"], "seq": anchor["seq"], "hash": anchor["hash"]}
