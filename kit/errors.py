"""Typed domain errors.

Services raise these; the gateway maps them to HTTP once. They are registered
with nameko's exception registry, so a service's ``Conflict`` is re-raised as
the same ``Conflict`` class in the RPC caller (not a generic RemoteError).
Messages are user-facing, so they are zh-CN.
"""
from nameko.exceptions import deserialize_to_instance
from pymongo.errors import ConnectionFailure, PyMongoError


class DomainError(Exception):
    """Base of every expected, user-facing failure."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message, fields=None):
        # Both args travel through nameko's serializer, which stringifies anything that is not
        # a string, mapping or iterable: a None would arrive as the text "None". So "no fields"
        # travels as an empty mapping.
        super().__init__(message, fields or {})
        self.message = message
        self.fields = fields or None

    def __str__(self):
        return self.message

    def to_dict(self):
        body = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


@deserialize_to_instance
class ValidationFailed(DomainError):
    code = "validation_error"
    http_status = 400


@deserialize_to_instance
class Unauthorized(DomainError):
    code = "unauthorized"
    http_status = 401


@deserialize_to_instance
class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


@deserialize_to_instance
class NotFound(DomainError):
    code = "not_found"
    http_status = 404


@deserialize_to_instance
class Conflict(DomainError):
    code = "conflict"
    http_status = 409


@deserialize_to_instance
class Unavailable(DomainError):
    """A dependency (the service's database) is unreachable: retry later; not the caller's fault."""
    code = "service_unavailable"
    http_status = 503


class _RetryLater(DomainError):
    """A refusal that says when to come back (the gateway sends it as ``Retry-After``).
    ``retry_after`` travels as a third argument, so it survives an RPC hop like the fields do."""

    def __init__(self, message, fields=None, retry_after=1):
        Exception.__init__(self, message, fields or {}, int(retry_after))
        self.message = message
        self.fields = fields or None
        self.retry_after = max(int(retry_after), 1)


@deserialize_to_instance
class TooManyRequests(_RetryLater):
    """Throttled (e.g. too many failed logins): the caller must wait ``retry_after`` seconds."""
    code = "too_many_requests"
    http_status = 429


@deserialize_to_instance
class Overloaded(_RetryLater):
    """The process has no capacity left for this request right now; not the caller's fault."""
    code = "overloaded"
    http_status = 503


@deserialize_to_instance
class UpstreamTimeout(DomainError):
    """A service did not answer within the caller's bound (RPC_TIMEOUT_SECONDS)."""
    code = "upstream_timeout"
    http_status = 504


@deserialize_to_instance
class PreconditionFailed(DomainError):
    """The client changed a record from a version it no longer is (``If-Match``): nothing written.
    ``current_version`` travels as a third argument (like ``retry_after``), for the ETag of the answer."""
    code = "precondition_failed"
    http_status = 412

    def __init__(self, message, fields=None, current_version=None):
        # Across RPC it arrives as text (nameko stringifies what is not a str, mapping or iterable).
        current_version = int(current_version) if current_version not in (None, "None") else None
        Exception.__init__(self, message, fields or {}, current_version)
        self.message = message
        self.fields = fields or None
        self.current_version = current_version


# Raised on the consumer side when an event does not match its contract: such
# an event can never succeed, so it is parked at once instead of retried.
@deserialize_to_instance
class ContractViolation(DomainError):
    code = "contract_violation"
    http_status = 400


EXPECTED = (DomainError,)


def database_unavailable(error):
    """True when a failure is the environment's (the database unreachable or stalled), not the
    request's or the code's: answer 503 / retry later instead of blaming the input or the event."""
    if isinstance(error, ConnectionFailure):  # AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError
        return True
    # A deadline (pymongo.timeout) that ran out, or a conflict still transient when retries stopped.
    return isinstance(error, PyMongoError) and (error.timeout or error.has_error_label("TransientTransactionError"))
