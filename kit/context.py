"""Who is acting, and which request this work belongs to.

The gateway authenticates a caller and puts ``actor`` and ``correlation_id``
into nameko's context data. nameko then carries context data on every RPC and
event message as ``nameko.*`` headers, and the outbox relay sets the same
headers when it publishes. So any worker anywhere reads both from here.
"""
import logging
import time
import uuid
import weakref
from dataclasses import dataclass, field

from nameko.extensions import DependencyProvider

from contracts.enums import CROSS_DEPARTMENT_ROLES
from kit.errors import Forbidden, Unauthorized
from kit.logging import set_correlation_id

log = logging.getLogger("pingjian.worker")

ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    user_id: str
    roles: tuple = field(default_factory=tuple)
    department: str = ""

    @classmethod
    def from_dict(cls, data):
        if not data or not data.get("user_id"):
            return None
        return cls(user_id=data["user_id"], roles=tuple(data.get("roles") or ()),
                   department=data.get("department") or "")

    def to_dict(self):
        return {"user_id": self.user_id, "roles": list(self.roles), "department": self.department}

    def has_any_role(self, *roles):
        return any(role in self.roles for role in roles)

    @property
    def is_admin(self):
        return ADMIN in self.roles

    @property
    def sees_all_departments(self):
        """Admin and the cross-department roles see every department; others only their own."""
        return self.is_admin or self.has_any_role(*CROSS_DEPARTMENT_ROLES)

    def scoped_department(self, requested=None):
        """The department filter a list query must use; Forbidden if asking for another department."""
        if self.sees_all_departments:
            return requested
        if requested and requested != self.department:
            raise Forbidden("无权查看其他部门的数据")
        return self.department

    def ensure_department(self, department):
        if not self.sees_all_departments and department != self.department:
            raise Forbidden("无权访问其他部门的数据")


class Context:
    def __init__(self, data):
        self._data = data

    @property
    def correlation_id(self):
        return self._data.get("correlation_id")

    @property
    def actor(self):
        return Actor.from_dict(self._data.get("actor"))

    def expected_version(self, doc_id):
        """The version the client said (``If-Match``) the record ``doc_id`` is at, or None: the
        gateway names the record of the route's last path parameter."""
        expected = self._data.get("if_match")
        if isinstance(expected, dict) and expected.get("id") == doc_id:
            return expected.get("version")
        return None

    def require_actor(self):
        actor = self.actor
        if actor is None:
            raise Unauthorized("需要登录")
        return actor


def new_correlation_id():
    return uuid.uuid4().hex


class RequestContext(DependencyProvider):
    """Gives a worker its Context, stamps its logs, and logs one line per call.

    ``log_calls=False`` where the entrypoint writes its own, richer line (the
    gateway's HTTP access log).
    """

    def __init__(self, log_calls=True):
        self.log_calls = log_calls

    def setup(self):
        # Start times live here, not in worker_ctx.data: everything in the
        # data dict is propagated as a header on outgoing messages.
        self._started = weakref.WeakKeyDictionary()

    def worker_setup(self, worker_ctx):
        if not worker_ctx.data.get("correlation_id"):
            worker_ctx.data["correlation_id"] = new_correlation_id()
        set_correlation_id(worker_ctx.data["correlation_id"])
        self._started[worker_ctx] = time.monotonic()

    def get_dependency(self, worker_ctx):
        return Context(worker_ctx.data)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        if not self.log_calls:
            return
        elapsed_ms = round((time.monotonic() - started) * 1000, 2) if started else None
        outcome = "ok" if exc_info is None else exc_info[0].__name__
        actor = worker_ctx.data.get("actor") or {}
        # Who did what, when, with what outcome: the operational audit line of every call.
        log.info("handled %s.%s", worker_ctx.service_name, worker_ctx.entrypoint.method_name,
                 extra={"service": worker_ctx.service_name, "entrypoint": worker_ctx.entrypoint.method_name,
                        "user_id": actor.get("user_id"), "outcome": outcome, "duration_ms": elapsed_ms})

    def worker_teardown(self, worker_ctx):
        set_correlation_id(None)
