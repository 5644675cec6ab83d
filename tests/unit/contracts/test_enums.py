"""contracts/enums: one module per domain, one registry that /v1/meta/enums serves and the OpenAPI
document describes."""
import pytest
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from contracts import enums
from contracts.enums import registry
from gateway.openapi import build_spec
from gateway.service import GatewayService


def test_the_names_from_before_the_split_still_work():
    from contracts.enums import CROSS_DEPARTMENT_ROLES
    assert enums.ROLES["prosecutor"] == "检察官" and enums.DEPARTMENTS["criminal"] == "刑事检察部"
    assert enums.CASE_CATEGORIES["other"] == "其他" and enums.CASE_STATUSES["closed"] == "已结案"
    assert enums.NOTIFICATION_CHANNELS["in_app"] == "站内消息"
    assert CROSS_DEPARTMENT_ROLES is enums.CROSS_DEPARTMENT_ROLES and "inspector" in CROSS_DEPARTMENT_ROLES


def test_the_registry_holds_every_domain_enum_itself_not_a_copy():
    assert enums.ALL == {"roles": enums.ROLES, "departments": enums.DEPARTMENTS,
                         "case_categories": enums.CASE_CATEGORIES, "case_statuses": enums.CASE_STATUSES,
                         "suspect_layers": enums.SUSPECT_LAYERS, "charges": enums.CHARGES,
                         "suspect_decisions": enums.SUSPECT_DECISIONS, "termination_checks": enums.TERMINATION_CHECKS,
                         "wage_supervision_outcomes": enums.WAGE_SUPERVISION_OUTCOMES,
                         "evaluation_modes": enums.EVALUATION_MODES, "evaluation_grades": enums.EVALUATION_GRADES,
                         "key_evaluation_reasons": enums.KEY_EVALUATION_REASONS,
                         "finding_statuses": enums.FINDING_STATUSES, "calendar_sources": enums.CALENDAR_SOURCES,
                         "case_causes": enums.CASE_CAUSES,
                         "notification_channels": enums.NOTIFICATION_CHANNELS,
                         "notification_types": enums.NOTIFICATION_TYPES,
                         "delivery_statuses": enums.DELIVERY_STATUSES, "delivery_reasons": enums.DELIVERY_REASONS,
                         "recommendation_kinds": enums.RECOMMENDATION_KINDS,
                         "recommendation_statuses": enums.RECOMMENDATION_STATUSES,
                         "service_methods": enums.SERVICE_METHODS, "objection_outcomes": enums.OBJECTION_OUTCOMES,
                         "adoptions": enums.ADOPTIONS, "escalation_targets": enums.ESCALATION_TARGETS,
                         "close_outcomes": enums.CLOSE_OUTCOMES, "penalty_decisions": enums.PENALTY_DECISIONS,
                         "budget_categories": enums.BUDGET_CATEGORIES,
                         "budget_request_statuses": enums.BUDGET_REQUEST_STATUSES,
                         "budget_decisions": enums.BUDGET_DECISIONS, "procurement_methods": enums.PROCUREMENT_METHODS,
                         "vehicle_booking_statuses": enums.VEHICLE_BOOKING_STATUSES,
                         "supervision_task_statuses": enums.SUPERVISION_TASK_STATUSES,
                         "supervision_task_kinds": enums.SUPERVISION_TASK_KINDS,
                         "supervision_source_kinds": enums.SUPERVISION_SOURCE_KINDS,
                         "task_verify_outcomes": enums.TASK_VERIFY_OUTCOMES,
                         "inspection_target_kinds": enums.INSPECTION_TARGET_KINDS,
                         "inspection_categories": enums.INSPECTION_CATEGORIES,
                         "finding_severities": enums.FINDING_SEVERITIES,
                         "inspection_finding_statuses": enums.INSPECTION_FINDING_STATUSES,
                         "finding_verify_outcomes": enums.FINDING_VERIFY_OUTCOMES,
                         "reinspection_results": enums.REINSPECTION_RESULTS,
                         "ledger_categories": enums.LEDGER_CATEGORIES,
                         "export_datasets": enums.EXPORT_DATASETS, "export_statuses": enums.EXPORT_STATUSES}
    assert enums.ALL["roles"] is enums.ROLES
    assert all(enums.TITLES[name] for name in enums.ALL)


def test_the_openapi_document_describes_every_registered_enum_and_code():
    schemas = build_spec(GatewayService)["components"]["schemas"]
    assert set(schemas["Enums"]["properties"]) == set(enums.ALL)
    for name, labels in enums.ALL.items():
        ref = schemas["Enums"]["properties"][name]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
        assert set(schemas[ref]["properties"]) == set(labels), name
        assert set(schemas[ref]["required"]) == set(labels), name


@pytest.fixture
def scratch_enum():
    yield "evidence_kinds"
    registry.ALL.pop("evidence_kinds", None)
    registry.TITLES.pop("evidence_kinds", None)


def test_a_newly_registered_enum_appears_in_the_response_schema_by_itself(scratch_enum):
    labels = registry.register(scratch_enum, {"documentary": "书证", "physical": "物证"}, title="证据种类")
    assert enums.ALL[scratch_enum] is labels
    spec = APISpec(title="t", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.schema("Enums", schema=registry.response_schema())
    schemas = spec.to_dict()["components"]["schemas"]
    assert "evidence_kinds" in schemas["Enums"]["required"]
    assert schemas["EvidenceKindsLabels"]["properties"]["physical"] == {"type": "string", "example": "物证"}


def test_one_name_cannot_be_registered_twice(scratch_enum):
    with pytest.raises(ValueError, match="roles"):
        registry.register("roles", {"x": "某"}, title="角色")
    with pytest.raises(ValueError, match=scratch_enum):
        registry.register(scratch_enum, {}, title="空")
