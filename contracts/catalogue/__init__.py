"""The event catalogue, generated: every registered event type (contracts/events), its producer,
its payload schema and example, and the queues that consume it (found on the services' nameko
event-handler entrypoints).

One AsyncAPI 3.0 document (``asyncapi.build``) is the source of what people read:
``docs/events.md`` (``python -m contracts.catalogue``), ``GET /asyncapi.json`` and the page
``GET /docs/events``. Nothing in it is listed by hand, so a new service, handler or event type
appears by itself.

Discovery imports the service modules (they import contracts): it happens when a document is
built, never when ``contracts`` is imported.
"""
