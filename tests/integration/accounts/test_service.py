"""The accounts service in real nameko containers on a real vhost and SecantusDB."""
import logging

import eventlet
import pytest
from argon2 import PasswordHasher
from nameko.standalone.rpc import ServiceRpcProxy

from kit.errors import Conflict, Forbidden, TooManyRequests, ValidationFailed
from kit.events import Inbox, consumes
from kit import clock
from kit.storage import Storage, Store
from services.accounts.service import AccountsService
from tests.support.amqp import Tap, publish_event
from tests.support.waiting import wait_for

ADMIN = {"user_id": "u-admin", "roles": ["admin"], "department": "general"}
NEW_USER = {"username": "LiNa", "password": "jiancha-2026-x", "display_name": "李娜", "department": "criminal",
            "roles": ["prosecutor"], "email": "lina@jcy.example"}


def rpc(config, method, actor=ADMIN, **kwargs):
    with ServiceRpcProxy("accounts", config, context_data={"actor": actor, "correlation_id": "corr-acc"}) as proxy:
        return getattr(proxy, method)(**kwargs)


@pytest.fixture
def accounts(container_factory, service_config):
    container = container_factory(AccountsService, {**service_config, "LOGIN_MAX_FAILURES_PER_ADDRESS": 3})
    container.start()
    return lambda method, **kwargs: rpc(service_config, method, **kwargs)


class UserWatcher:
    """A consumer of the user events, as notifications or cases would keep a projection."""
    name = "watcher"

    store = Storage(Store)
    inbox = Inbox()

    @consumes("accounts", "user.created")
    def on_created(self, event, session):
        self._record(event, session)

    @consumes("accounts", "user.updated")
    def on_updated(self, event, session):
        self._record(event, session)

    @consumes("accounts", "user.deactivated")
    def on_deactivated(self, event, session):
        self._record(event, session)

    def _record(self, event, session):
        self.store.db.seen.insert_one({"type": event["type"], "user": event["payload"]["id"],
                                       "version": event["aggregate_version"], "at": clock.now()}, session=session)


def test_each_change_reaches_a_consumer_exactly_once_through_the_outbox(accounts, container_factory, service_config,
                                                                        service_db, rabbit_config):
    container_factory(UserWatcher, service_config).start()
    tap = Tap(rabbit_config["AMQP_URI"], "accounts")
    user = accounts("create_user", body=NEW_USER)
    accounts("update_user", user_id=user["id"], body={"display_name": "李娜娜", "roles": ["department_head"]})
    accounts("update_user", user_id=user["id"], body={"display_name": "李娜娜"})  # no change: no event
    accounts("update_user", user_id=user["id"], body={"active": False})
    seen = service_db("watcher").seen
    wait_for(lambda: seen.count_documents({"user": user["id"]}) == 3, timeout=15, message="three user events")
    published = []
    wait_for(lambda: published.extend(tap.drain()) or len(published) >= 3, message="the published events")
    # Redelivered: the consumer changes nothing.
    for message in published:
        publish_event(rabbit_config["AMQP_URI"], "accounts", message.payload)
    eventlet.sleep(1.5)
    rows = sorted(seen.find({"user": user["id"]}), key=lambda r: r["version"])
    assert [(r["type"], r["version"]) for r in rows] == [("user.created", 1), ("user.updated", 2),
                                                           ("user.deactivated", 3)]
    payloads = {m.payload["type"]: m.payload["payload"] for m in published if m.payload["aggregate_id"] == user["id"]}
    assert payloads["user.created"]["email"] == "lina@jcy.example"
    assert all("password_hash" not in payload for payload in payloads.values())
    outbox = service_db("accounts").outbox
    assert outbox.count_documents({"aggregate_id": user["id"]}) == 3


def test_bad_input_and_wrong_roles_write_nothing(accounts, service_db):
    with pytest.raises(ValidationFailed) as refused:
        accounts("create_user", body={**NEW_USER, "password": "lina-2026-abc"})  # contains the username
    assert "password" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        accounts("create_user", body={**NEW_USER, "email": "not-an-address"})
    assert "email" in refused.value.fields
    with pytest.raises(Forbidden):
        accounts("create_user", body=NEW_USER, actor={"user_id": "u-h", "roles": ["department_head"],
                                                      "department": "criminal"})
    assert service_db("accounts").users.count_documents({"username_key": "lina"}) == 0
    # Nothing of users (the weekly calendar reminder a fresh accounts service may send is not theirs).
    assert service_db("accounts").outbox.count_documents({"type": {"$ne": "calendar.schedule_missing"}}) == 0
    accounts("create_user", body=NEW_USER)
    with pytest.raises(Conflict):
        accounts("create_user", body={**NEW_USER, "username": "ＬＩＮＡ"})


def test_logins_are_throttled_per_address_across_usernames(accounts, service_db):
    accounts_db = lambda: service_db("accounts")  # noqa: E731
    accounts("create_user", body=NEW_USER)
    for name in ("a-1", "a-2", "a-3"):
        result = accounts("authenticate", actor=None,
                          body={"username": name, "password": "wrong-password", "address": "10.0.0.9"})
        assert result["account"] is None and result["account_id"] is None
    assert result["throttled"] == ["address"]  # the third failure from the address starts its pause
    [throttled] = [r["envelope"]["payload"] for r in accounts_db().outbox.find({"type": "account.login_throttled"})]
    assert throttled["kind"] == "address" and throttled["address"] == "10.0.0.9" and throttled["user_id"] is None
    with pytest.raises(TooManyRequests) as refused:
        accounts("authenticate", actor=None, body={"username": "LiNa", "password": NEW_USER["password"],
                                                   "address": "10.0.0.9"})
    assert refused.value.retry_after >= 1
    ok = accounts("authenticate", actor=None, body={"username": "lina", "password": NEW_USER["password"],
                                                    "address": "10.0.0.10"})
    assert ok["account"]["username"] == "LiNa" and "password_hash" not in ok["account"]


OLD_HASH = PasswordHasher().hash("old-password-2025")


def old_gateway_users(service_db):
    """The users collection as the gateway of the previous version kept it."""
    created = clock.now()
    return [{"_id": "old-admin", "username": "admin", "password_hash": OLD_HASH, "display_name": "系统管理员",
             "department": "general", "roles": ["admin"], "active": True, "created_at": created,
             "created_by": "bootstrap", "token_version": 2},
            {"_id": "old-zhang", "username": "Zhang", "password_hash": OLD_HASH, "display_name": "张检察官",
             "department": "criminal", "roles": ["prosecutor"], "active": True, "created_at": created,
             "created_by": "old-admin"},
            {"_id": "old-zhang-fw", "username": "ＺＨＡＮＧ", "password_hash": OLD_HASH, "display_name": "重名",
             "department": "civil", "roles": ["prosecutor"], "active": False, "created_at": created,
             "created_by": "old-admin"}]


def test_users_of_the_old_gateway_database_move_once_and_keep_their_passwords(
        container_factory, service_config, service_db, caplog):
    service_db("gateway").users.insert_many(old_gateway_users(service_db))
    caplog.set_level(logging.INFO, logger="pingjian.accounts")
    # Two replicas start at once: the lock lets one of them move the users.
    first, second = (container_factory(AccountsService, service_config) for _ in range(2))
    for thread in [eventlet.spawn(first.start), eventlet.spawn(second.start)]:
        thread.wait()
    users = service_db("accounts").users
    assert {u["_id"] for u in users.find()} == {"old-admin", "old-zhang"}  # the width-twin cannot move
    admin = users.find_one({"_id": "old-admin"})
    assert admin["token_version"] == 2 and admin["version"] == 1 and admin["username_key"] == "admin"
    moved = service_db("accounts").migrations.find_one({"_id": "gateway-users-v1"})
    # The clash is reported and left for an admin to rename; the next start tries it again.
    assert moved["status"] == "incomplete"
    assert moved["counts"] == {"moved": 2, "already_here": 0, "clashed": 1, "refused": 0}
    assert [r.message for r in caplog.records if "moved users" in r.message]
    assert service_db("accounts").outbox.count_documents({"type": "user.created"}) == 2
    ok = rpc(service_config, "authenticate", actor=None,
             body={"username": "zhang", "password": "old-password-2025", "address": "127.0.0.1"})
    assert ok["account"]["id"] == "old-zhang" and ok["account"]["token_version"] == 0
    # Renamed in the old database, the clashing account moves at the next start; nothing moves twice.
    first.stop()
    second.stop()
    service_db("gateway").users.update_one({"_id": "old-zhang-fw"}, {"$set": {"username": "zhang2"}})
    container_factory(AccountsService, service_config).start()
    assert users.count_documents({}) == 3
    assert service_db("accounts").outbox.count_documents({"type": "user.created"}) == 3
    moved = service_db("accounts").migrations.find_one({"_id": "gateway-users-v1"})
    assert moved["status"] == "done" and moved["counts"]["already_here"] == 2 and moved["counts"]["moved"] == 1
    assert service_db("gateway").users.count_documents({}) == 3  # the old database is left as it was


def test_a_paused_account_logs_in_from_a_clean_address_and_the_owner_is_told(accounts, service_db):
    """Issue 19: five wrong passwords kept the owner out, right password or not."""
    user = accounts("create_user", body=NEW_USER)
    for i in range(5):  # from five addresses (this fixture pauses an address after three)
        result = accounts("authenticate", actor=None,
                          body={"username": "lina", "password": "wrong-password", "address": f"10.0.1.{i}"})
        assert result["account"] is None
    assert result["throttled"] == ["account"]
    with pytest.raises(TooManyRequests):  # the attacker's address waits, even with the right password
        accounts("authenticate", actor=None, body={"username": "lina", "password": NEW_USER["password"],
                                                   "address": "10.0.1.4"})
    ok = accounts("authenticate", actor=None, body={"username": "lina", "password": NEW_USER["password"],
                                                    "address": "10.0.0.77"})
    assert ok["account"]["id"] == user["id"]
    [event] = service_db("accounts").outbox.find({"type": "account.login_throttled"})
    assert event["envelope"]["payload"]["user_id"] == user["id"] and event["envelope"]["payload"]["kind"] == "account"
