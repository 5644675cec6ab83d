"""Suspects' id numbers sealed at rest in the cases database, readable through every key rotation."""
import pytest
from bson import json_util
from cryptography.fernet import Fernet
from nameko.standalone.rpc import ServiceRpcProxy

from kit.sealing import KeyringError
from services.cases.service import CasesService
from tests.support.waiting import wait_for

HEAD = {"user_id": "u-head", "roles": ["department_head"], "department": "criminal"}
CASE = {"case_no": "平检刑诉〔2026〕88号", "title": "电信网络诈骗案", "category": "criminal", "department": "criminal"}
IDS = ["11010519491231002X", "440106199001011234", "310101198512125678"]


def new_key(key_id):
    return f"{key_id}:{Fernet.generate_key().decode()}"


@pytest.fixture
def start_cases(container_factory, service_config):
    """Start the cases service with ``keys``; returns a caller over real RPC."""
    def start(keys):
        config = {**service_config, "DATA_KEYS": keys}
        container = container_factory(CasesService, config)
        container.start()

        def call(method, **kwargs):
            with ServiceRpcProxy("cases", config, context_data={"actor": HEAD, "correlation_id": "it"}) as proxy:
                return getattr(proxy, method)(**kwargs)
        call.stop = container.stop
        return call
    return start


def raw_dump(db):
    return "".join(json_util.dumps(doc) for name in db.list_collection_names() for doc in db[name].find())


def test_a_raw_read_of_the_database_shows_no_id_number_while_the_api_shows_it_to_the_handler(start_cases,
                                                                                             service_db):
    cases = start_cases(new_key("k1"))
    case = cases("register_case", body=CASE)
    for number, id_number in enumerate(IDS):
        cases("add_suspect", case_id=case["id"],
              body={"name": f"嫌疑人{number}", "id_number": id_number, "layer": "core_member", "charges": ["fraud"]})
    suspect = cases("list_suspects", case_id=case["id"], query={"limit": 10, "cursor": None})["items"][0]
    cases("edit_suspect", case_id=case["id"], suspect_id=suspect["id"], body={"id_number": "110101199003074477"})

    db = service_db("cases")
    dump = raw_dump(db)  # every collection: suspects, history, outbox, counters, …
    for id_number in [*IDS, "110101199003074477"]:
        assert id_number not in dump and id_number[6:14] not in dump, f"{id_number} readable in the database"
    stored = db.suspects.find_one({"_id": suspect["id"]})
    assert set(stored["id_number"]) == {"key", "ciphertext", "hmac"} and stored["id_number"]["key"] == "k1"

    listed = cases("list_suspects", case_id=case["id"], query={"limit": 10, "cursor": None})["items"]
    expected = ["110101199003074477" if id_number == suspect["id_number"] else id_number for id_number in IDS]
    assert sorted(s["id_number"] for s in listed) == sorted(expected)
    assert all(not s["id_number_masked"] for s in listed)


def test_rotating_the_key_keeps_every_record_readable_and_reseals_them_under_the_new_key(start_cases,
                                                                                         service_db):
    first, second = new_key("k1"), new_key("k2")
    cases = start_cases(first)
    case = cases("register_case", body=CASE)
    for number, id_number in enumerate(IDS):
        cases("add_suspect", case_id=case["id"],
              body={"name": f"嫌疑人{number}", "id_number": id_number, "layer": "organizer", "charges": ["fraud"]})
    # One record left by an earlier version, in the clear: the same pass seals it.
    db = service_db("cases")
    db.suspects.update_one({"name": "嫌疑人0"}, {"$set": {"id_number": IDS[0]}})
    cases.stop()

    def listed(call):
        page = call("list_suspects", case_id=case["id"], query={"limit": 10, "cursor": None})
        return sorted(s["id_number"] for s in page["items"])

    # Step 1: the new key first, the old one still configured. Everything stays readable at once,
    # and the service reseals every record (the plaintext one too) under the new key by itself.
    rotated = start_cases(f"{second},{first}")
    assert listed(rotated) == sorted(IDS)
    wait_for(lambda: [s["id_number"]["key"] for s in db.suspects.find() if isinstance(s["id_number"], dict)]
             == ["k2"] * len(IDS), message="every suspect resealed under k2")
    rotated.stop()

    # Step 2: the old key removed; every record still opens.
    assert listed(start_cases(second)) == sorted(IDS)
    assert IDS[0] not in raw_dump(db)


def test_the_service_does_not_start_without_a_data_key(container_factory, service_config):
    container = container_factory(CasesService, {**service_config, "DATA_KEYS": ""})
    with pytest.raises(KeyringError, match="DATA_KEYS"):
        container.start()
