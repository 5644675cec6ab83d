"""The one way a service exposes an operation: ``@command`` (changes state) and ``@query`` (reads).

Both are RPC entrypoints (``kit.rpc``: replies without confirms, a database outage answered as
``Unavailable``) that do what every operation would otherwise repeat:

- the caller's ``actor`` (from the context the gateway set) is required and handed to the method
  as ``actor`` — unless the operation is ``public`` (e.g. logging in, before there is an actor);
- the ``body`` (and/or ``query``) keyword argument is loaded with its marshmallow schema before a
  worker is spawned: invalid input is a ValidationFailed naming the fields, and never reaches the
  method;
- the result is dumped with the ``response`` schema (None stays None: "there is none");
- domain errors (``kit.errors``) are expected outcomes, logged as warnings and sent back typed.

Callers use keyword arguments: ``cases.assign_case(case_id=..., body={...})``; the method is
``def assign_case(self, actor, case_id, body)``.
"""
import sys
from functools import partial

from nameko.exceptions import ContainerBeingKilled, MalformedRequest

from kit import clock
from kit.context import Actor
from kit.errors import EXPECTED, Unauthorized
from kit.rpc import Rpc
from kit.validation import load


class Command(Rpc):
    def __init__(self, *, body=None, query=None, response=None, public=False, **kwargs):
        self.body, self.query, self.response, self.public = body, query, response, public
        kwargs.setdefault("expected_exceptions", EXPECTED)
        super().__init__(**kwargs)

    def setup(self):
        super().setup()
        # Schemas hold no per-call state: one instance each, built once.
        self._loaders = {name: schema() for name, schema in (("body", self.body), ("query", self.query)) if schema}
        self._dumper = self.response() if self.response else None

    def handle_message(self, body, message):
        # Errors raised here (no actor, invalid input) go back to the caller as the reply.
        try:
            args, kwargs = body["args"], dict(body["kwargs"])
        except (KeyError, TypeError):
            raise MalformedRequest("Message missing `args` or `kwargs`") from None
        context_data = self.unpack_message_headers(message)
        if not self.public:
            actor = Actor.from_dict(context_data.get("actor"))
            if actor is None:
                raise Unauthorized("需要登录")
            kwargs["actor"] = actor
        for name, schema in self._loaders.items():
            kwargs[name] = load(schema, kwargs.get(name))
        self.check_signature(args, kwargs)
        try:
            self.container.spawn_worker(self, args, kwargs, context_data=context_data,
                                        handle_result=partial(self.handle_result, message))
        except ContainerBeingKilled:
            self.rpc_consumer.requeue_message(message)

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is None and self._dumper is not None and result is not None:
            try:
                result = self._dumper.dump(result)
            except Exception:  # a result that breaks its own contract is a bug: reply with it
                result, exc_info = None, sys.exc_info()
        return super().handle_result(message, worker_ctx, result, exc_info)


class Query(Command):
    """A read: the same machinery as ``Command``; the name says it changes nothing."""


command = Command.decorator
query = Query.decorator


class HealthCheck:
    """Mixin for a service with ``store = Storage(...)``: the ``health`` query that container
    healthchecks call (``python -m kit.healthcheck <service>``)."""

    @query(public=True)
    def health(self):
        self.store.ping()
        warning = None
        if getattr(self, "follows_calendar", False):  # it computes working days: say what it lacks
            warning = self.store.working_calendar().missing_warning(clock.today())
        return {"status": "ok", "service": self.name, "warnings": [warning] if warning else []}
