"""Event payload schemas, one module per producing service and version.

Importing this package registers every event type with the envelope registry.
"""
from contracts.events import accounts_v1, budgeting_v1, cases_v1, gateway_v1  # noqa: F401
