"""kit.sealing: personal data sealed with rotatable keys, found by a keyed hash, never in the clear."""
import json

import pytest
from cryptography.fernet import Fernet

from kit.sealing import Keyring, KeyringError, SealedFields

ID = "11010519491231002X"


def keyring(*ids):
    return Keyring([(key_id, Fernet.generate_key().decode()) for key_id in ids])


def test_a_sealed_value_holds_no_plaintext_and_opens_to_the_original():
    ring = keyring("k1")
    sealed = ring.seal(ID)
    assert ID not in json.dumps(sealed) and ID.lower() not in json.dumps(sealed).lower()
    assert sealed["key"] == "k1"
    assert ring.open(sealed) == ID


def test_the_same_value_seals_differently_each_time_but_hashes_the_same():
    ring = keyring("k1")
    first, second = ring.seal(ID), ring.seal(ID)
    assert first["ciphertext"] != second["ciphertext"]  # no equality leak through the ciphertext
    assert first["hmac"] == second["hmac"] == ring.keyed_hash(ID)
    assert ring.keyed_hash(ID) != ring.keyed_hash(ID[:-1] + "1")


def test_rotation_new_key_seals_old_keys_still_open_and_lookups_cover_both():
    k1, k2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_before = Keyring.parse(f"k1:{k1}").seal(ID)
    rotated = Keyring.parse(f"k2:{k2},k1:{k1}")
    assert rotated.current == "k2"
    assert rotated.open(sealed_before) == ID
    assert rotated.seal(ID)["key"] == "k2"
    assert sealed_before["hmac"] in rotated.lookup_hashes(ID)


def test_a_record_under_a_removed_key_is_a_loud_error_not_garbage():
    sealed = keyring("k1").seal(ID)
    with pytest.raises(KeyringError, match="k1"):
        keyring("k2").open(sealed)


def test_a_record_under_the_same_id_but_another_key_does_not_decrypt():
    sealed = keyring("k1").seal(ID)
    with pytest.raises(KeyringError):
        keyring("k1").open(sealed)


@pytest.mark.parametrize("text", ["", "   ", "# only a comment"])
def test_no_key_configured_refuses(text):
    with pytest.raises(KeyringError, match="DATA_KEYS"):
        Keyring.parse(text)


@pytest.mark.parametrize("text", ["nokeyseparator", "k1:not-a-fernet-key", f"bad id!:{Fernet.generate_key().decode()}",
                                  f"k1:{Fernet.generate_key().decode()},k1:{Fernet.generate_key().decode()}"])
def test_malformed_keys_refuse(text):
    with pytest.raises(KeyringError):
        Keyring.parse(text)


def test_keys_from_a_file_newest_first(tmp_path):
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    path = tmp_path / "keys"
    path.write_text(f"# rotated 2026-11\nk2:{second}\nk1:{first}\n")
    ring = Keyring.from_config({"DATA_KEYS_FILE": str(path), "DATA_KEYS": "ignored"})
    assert ring.key_ids == ("k2", "k1")


def test_an_unreadable_key_file_names_itself(tmp_path):
    with pytest.raises(KeyringError, match="DATA_KEYS_FILE"):
        Keyring.from_config({"DATA_KEYS_FILE": str(tmp_path / "missing")})


def test_sealed_fields_seal_open_and_leave_other_fields():
    fields = SealedFields(keyring("k1"), ["id_number"])
    doc = {"_id": "s1", "name": "张三", "id_number": ID}
    stored = fields.seal(doc)
    assert stored["name"] == "张三" and isinstance(stored["id_number"], dict)
    assert doc["id_number"] == ID  # the caller's document is not changed
    assert fields.open(stored) == doc
    assert fields.seal({"name": "only"}) == {"name": "only"}  # a change without the field


def test_plaintext_from_an_earlier_version_opens_and_is_resealed():
    fields = SealedFields(keyring("k1"), ["id_number"])
    legacy = {"_id": "s1", "id_number": ID}
    assert fields.open(legacy)["id_number"] == ID
    assert fields.keyring.open(fields.resealed(legacy)["id_number"]) == ID
