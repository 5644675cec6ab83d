"""Accounts for tests that drive the gateway without going through user creation."""
from datetime import datetime, timezone

from gateway.auth import TokenIssuer

HEAD = {"_id": "u-head", "username": "wang", "username_key": "wang", "roles": ["department_head"],
        "department": "criminal", "active": True, "token_version": 0, "version": 1, "display_name": "王主任"}


def seed_account(service_db, account=HEAD):
    """Write an account straight into the accounts service's database, as if it had been created."""
    service_db("accounts").users.insert_one({"created_at": datetime.now(timezone.utc), **account})
    return account


def token_for(jwt_secret, account=HEAD, ttl=600):
    return TokenIssuer(jwt_secret, ttl).issue({"id": account["_id"], **account})
