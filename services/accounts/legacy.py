"""Reading the users that versions before the accounts service kept in the gateway's own database
(``<MONGO_DB_PREFIX>_gateway``, collection ``users``). The only code that reads another
database, once, at start (services/accounts/storage.py moves them); it never writes there, so a
rollback to the old version still finds its users."""
from kit.mongo import get_client
from kit import clock
from services.accounts import domain


def gateway_users(config):
    prefix = config.get("MONGO_DB_PREFIX") or "pingjian"
    users = get_client(config["MONGO_URI"])[f"{prefix}_gateway"]["users"]
    return users.find({}).sort([("created_at", 1), ("_id", 1)])


def as_account(old):
    """An old gateway user document as an account here (same id, hash and token version, so
    passwords and unexpired tokens keep working); None if it lacks a username."""
    if not old.get("username"):
        return None
    username, username_key = domain.normalize_username(old["username"])
    user = {key: old[key] for key in ("_id", "password_hash", "display_name", "department", "roles", "active",
                                      "created_at", "created_by") if key in old}
    user.update({"username": username, "username_key": username_key, "version": 1,
                 "token_version": int(old.get("token_version", 0)), "roles": list(old.get("roles") or [])})
    user.setdefault("active", True)
    user.setdefault("display_name", username)
    user.setdefault("department", "general")
    user.setdefault("created_at", clock.now())
    return user
