"""Enum codes (English snake_case, the API contract) and their zh-CN labels, one module per domain.

Adding a domain's enums: a new module here that calls ``registry.register(name, labels,
title=...)``. Every module of this package is imported below, so its enums are in ``ALL`` (what
``GET /v1/meta/enums`` serves) and in the OpenAPI document without touching anything else.
"""
import importlib
import pkgutil

from contracts.enums.registry import ALL, TITLES, register, response_schema  # noqa: F401

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "registry":
        importlib.import_module(f"{__name__}.{_module.name}")

# The names every caller used before the split into domains (``enums.ROLES``, ...).
from contracts.enums.budgeting import (BUDGET_CATEGORIES, BUDGET_DECISIONS,  # noqa: E402, F401
                                       BUDGET_REQUEST_STATUSES, PROCUREMENT_METHODS,
                                       VEHICLE_BOOKING_STATUSES)
from contracts.enums.cases import (CASE_CATEGORIES, CASE_CAUSES, CASE_STATUSES, CHARGES, EVALUATION_GRADES,  # noqa: E402, F401
                                   EVALUATION_MODES, FINDING_STATUSES, KEY_EVALUATION_REASONS, SUSPECT_DECISIONS,
                                   SUSPECT_LAYERS, TERMINATION_CHECKS, WAGE_SUPERVISION_OUTCOMES)
from contracts.enums.calendar import CALENDAR_SOURCES  # noqa: E402, F401
from contracts.enums.exports import EXPORT_DATASETS, EXPORT_STATUSES  # noqa: E402, F401
from contracts.enums.notifications import (DELIVERY_REASONS, DELIVERY_STATUSES,  # noqa: E402, F401
                                          NOTIFICATION_CHANNELS, NOTIFICATION_TYPES)
from contracts.enums.people import CROSS_DEPARTMENT_ROLES, DEPARTMENTS, ROLES  # noqa: E402, F401
from contracts.enums.inspections import (FINDING_SEVERITIES, FINDING_VERIFY_OUTCOMES,  # noqa: E402, F401
                                         INSPECTION_CATEGORIES, INSPECTION_FINDING_STATUSES,
                                         INSPECTION_TARGET_KINDS, LEDGER_CATEGORIES, REINSPECTION_RESULTS, SUPERVISION_SOURCE_KINDS,
                                         SUPERVISION_TASK_KINDS, SUPERVISION_TASK_STATUSES, TASK_VERIFY_OUTCOMES)
from contracts.enums.recommendations import (ADOPTIONS, CLOSE_OUTCOMES, ESCALATION_TARGETS,  # noqa: E402, F401
                                             OBJECTION_OUTCOMES, PENALTY_DECISIONS, RECOMMENDATION_KINDS,
                                             RECOMMENDATION_STATUSES, SERVICE_METHODS)
