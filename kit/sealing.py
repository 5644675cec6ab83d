"""Personal data sealed at rest: field-level encryption with rotatable keys and a keyed hash.

A stolen database dump must not expose an id number. A sealed field is stored as
``{"key": <key id>, "ciphertext": <Fernet token>, "hmac": <keyed hash>}`` instead of its text:
Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package) encrypts; the keyed hash
(HMAC-SHA256 under a key derived from the same data key) lets a service find a record by the exact
value without decrypting anything.

Keys: ``DATA_KEYS`` (environment ``PINGJIAN_DATA_KEYS``) is ``id:key,id:key,...`` newest first, each
key a Fernet key (``python -m kit.sealing new-key`` prints one); or ``DATA_KEYS_FILE`` names a file
with one ``id:key`` per line, newest first. The first key seals; every key opens. A service with
sealed fields refuses to start without keys — there is no default.

Rotation (README, "Personal data at rest"): put a new key first and restart; new writes use it at
once, old records stay readable through the old key, and ``reseal`` (run by the owning service's
periodic job) rewrites every record still under an older key in small batches. When it reports
nothing left, the old key can be removed. A plaintext value left by an earlier version is sealed
by the same pass.
"""
import base64
import hashlib
import hmac
import re
import sys

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kit.preflight import StartRefused

_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")


class KeyringError(StartRefused):
    """Keys missing or malformed: the service must not start (the message says what to fix)."""


class Keyring:
    def __init__(self, keys):
        """``keys``: [(key id, Fernet key)], newest first."""
        if not keys:
            raise KeyringError("DATA_KEYS (PINGJIAN_DATA_KEYS) or DATA_KEYS_FILE must name at least one data "
                               "key for personal data at rest; `python -m kit.sealing new-key` makes one")
        self._fernets = {}
        self._hash_keys = {}
        seen = []
        for key_id, key in keys:
            if not _KEY_ID.fullmatch(key_id) or key_id in seen:
                raise KeyringError(f"data key id {key_id!r} is invalid or repeated (letters, digits, _.-, ≤ 32)")
            try:
                self._fernets[key_id] = Fernet(key.encode() if isinstance(key, str) else key)
            except (ValueError, TypeError):
                raise KeyringError(f"data key {key_id!r} is not a Fernet key (32 url-safe base64 bytes)") from None
            raw = base64.urlsafe_b64decode(key.encode() if isinstance(key, str) else key)
            self._hash_keys[key_id] = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                           info=b"pingjian keyed hash").derive(raw)
            seen.append(key_id)
        self.current = seen[0]
        self.key_ids = tuple(seen)

    @classmethod
    def parse(cls, text):
        keys = []
        for part in re.split(r"[,\n]", text or ""):
            part = part.strip()
            if not part or part.startswith("#"):
                continue
            key_id, sep, key = part.partition(":")
            if not sep:
                raise KeyringError("each data key is written id:key (e.g. 2026a:<fernet key>)")
            keys.append((key_id.strip(), key.strip()))
        return cls(keys)

    @classmethod
    def from_config(cls, config):
        path = (config.get("DATA_KEYS_FILE") or "").strip()
        if path:
            try:
                with open(path, encoding="utf-8") as handle:
                    return cls.parse(handle.read())
            except OSError as error:
                raise KeyringError(f"DATA_KEYS_FILE {path!r} cannot be read: {error.strerror}") from None
        return cls.parse(config.get("DATA_KEYS") or "")

    # -- values --------------------------------------------------------------------------------------
    def seal(self, text):
        token = self._fernets[self.current].encrypt(text.encode("utf-8")).decode("ascii")
        return {"key": self.current, "ciphertext": token, "hmac": self.keyed_hash(text, self.current)}

    def open(self, sealed):
        """The text of a sealed value (a plain string, left by an earlier version, is returned as is)."""
        if sealed is None or isinstance(sealed, str):
            return sealed
        fernet = self._fernets.get(sealed.get("key"))
        if fernet is None:
            raise KeyringError(f"a record is sealed with data key {sealed.get('key')!r}, which is not configured")
        try:
            return fernet.decrypt(sealed["ciphertext"].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise KeyringError(f"a record under data key {sealed.get('key')!r} does not decrypt with it") from None

    def keyed_hash(self, text, key_id=None):
        key = self._hash_keys[key_id or self.current]
        return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def lookup_hashes(self, text):
        """Every keyed hash ``text`` may be stored under (one per configured key), for an equality query
        on ``<field>.hmac`` that also finds records not yet resealed."""
        return [self.keyed_hash(text, key_id) for key_id in self.key_ids]

    def is_current(self, sealed):
        return isinstance(sealed, dict) and sealed.get("key") == self.current


class SealedFields:
    """The sealed fields of one collection: ``seal(doc)`` before a write, ``open(doc)`` after a read.
    Pure: no database here; storage applies it at its boundary."""

    def __init__(self, keyring, names):
        self.keyring = keyring
        self.names = tuple(names)

    def seal(self, doc):
        sealed = dict(doc)
        for name in self.names:
            if isinstance(sealed.get(name), str):
                sealed[name] = self.keyring.seal(sealed[name])
        return sealed

    def open(self, doc):
        if doc is None:
            return None
        opened = dict(doc)
        for name in self.names:
            if name in opened:
                opened[name] = self.keyring.open(opened[name])
        return opened

    def stale_query(self):
        """Records with a field not sealed under the current key (older key, or plaintext)."""
        return {"$or": [{name: {"$type": "string"}} for name in self.names] +
                       [{f"{name}.key": {"$exists": True, "$ne": self.keyring.current}} for name in self.names]}

    def resealed(self, doc):
        """``$set`` for a record found by ``stale_query``: each field opened and sealed again."""
        return {name: self.keyring.seal(self.keyring.open(doc[name])) for name in self.names
                if doc.get(name) is not None and not self.keyring.is_current(doc[name])}


def reseal(collection, fields, batch=200):
    """Rewrite up to ``batch`` records still under an older key (or in plaintext); returns how many.
    Each write is conditioned on the value it read, so a concurrent change is never overwritten."""
    count = 0
    for doc in collection.find(fields.stale_query(), limit=batch):
        changes = fields.resealed(doc)
        if not changes:
            continue
        condition = {"_id": doc["_id"], **{name: doc[name] for name in changes}}
        count += collection.update_one(condition, {"$set": changes}).modified_count
    return count


def new_key():
    return Fernet.generate_key().decode("ascii")


if __name__ == "__main__":  # python -m kit.sealing new-key
    if sys.argv[1:] == ["new-key"]:
        print(new_key())
    else:
        print("usage: python -m kit.sealing new-key", file=sys.stderr)
        sys.exit(2)
