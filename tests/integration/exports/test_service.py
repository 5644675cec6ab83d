"""The exports service with the cases service, each in a real nameko container on real RabbitMQ and
SecantusDB: the rows come from the owning service over RPC, the download limit holds under
concurrent downloads, and the owning service gives rows to nobody but the exports service."""
import csv
import io
from datetime import timedelta

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from kit import clock
from kit.errors import Conflict, Forbidden, UpstreamTimeout, ValidationFailed
from services.cases.service import CasesService
from services.exports.service import ExportsService

HEAD = {"user_id": "u-head", "roles": ["department_head"], "department": "criminal"}
CHIEF = {"user_id": "u-chief", "roles": ["chief_procurator"], "department": "leadership"}
ID_NUMBER = "110101199003072316"
LAYER = "ordinary_member"


@pytest.fixture
def platform(container_factory, service_config):
    for cls in (CasesService, ExportsService):  # budgeting is not running: see the last test
        container_factory(cls, {**service_config, "EXPORT_ROWS_TIMEOUT_SECONDS": 3}).start()

    def call(service, method, actor=HEAD, **kwargs):
        with ServiceRpcProxy(service, service_config, context_data={"actor": actor,
                                                                    "correlation_id": "corr-export"}) as proxy:
            return getattr(proxy, method)(**kwargs)
    return call


@pytest.fixture
def approved(platform):
    case = platform("cases", "register_case", body={"case_no": "平检刑诉〔2026〕9号", "title": "张某盗窃案",
                                                    "category": "criminal", "department": "criminal"})
    platform("cases", "add_suspect", case_id=case["id"], body={"name": "张某", "id_number": ID_NUMBER, "layer": LAYER})
    export = platform("exports", "request_export", body={
        "dataset": "cases", "filters": {"department": "criminal"}, "purpose": "办案质量分析",
        "fields": ["case_no", "title", "suspect_name", "suspect_id_number"]})
    return platform("exports", "approve_export", actor=CHIEF, export_id=export["id"],
                    body={"comment": "同意", "include_id_numbers": False})


def test_the_file_holds_the_owning_services_rows_masked_and_only_approved_columns(platform, approved):
    file = platform("exports", "download_export", export_id=approved["id"])
    assert file["content"].startswith("\ufeff") and file["download"] == 1
    meta, header, row = list(csv.reader(io.StringIO(file["content"][1:])))
    assert meta[1] == approved["id"] and meta[3] == "u-head"
    assert header == ["案号", "案件名称", "犯罪嫌疑人姓名", "犯罪嫌疑人身份证号"]
    assert row == ["平检刑诉〔2026〕9号", "张某盗窃案", "张某", "110101********2316"]
    assert ID_NUMBER not in file["content"]


def test_concurrent_downloads_never_exceed_the_limit(platform, approved, service_db):
    def download(_):
        try:
            return platform("exports", "download_export", export_id=approved["id"])["download"]
        except Conflict as refused:
            return refused.fields
    outcomes = list(eventlet.GreenPool(8).imap(download, range(8)))
    assert sorted(o for o in outcomes if isinstance(o, int)) == [1, 2, 3]
    assert [o for o in outcomes if not isinstance(o, int)] == [{"downloads": ["已下载 3 次"]}] * 5
    db = service_db("exports")
    assert db.exports.find_one({"_id": approved["id"]})["downloads"] == 3
    assert db.outbox.count_documents({"type": "export.downloaded"}) == 3


def test_the_owning_service_gives_rows_to_the_exports_service_only(platform, approved):
    query = {"dataset": "cases", "requester": {"user_id": "u-cm", "roles": ["case_manager"], "department": "case_management"}, "filters": {}, "fields": ["title", "suspect_id_number"], "include_id_numbers": True,
             "limit": 10}
    for actor in (CHIEF, HEAD, {"user_id": "u-admin", "roles": ["admin"], "department": "general"}):
        with pytest.raises(Forbidden):
            platform("cases", "export_rows", actor=actor, export_id=approved["id"], query=query)


def test_a_direct_call_without_the_role_cannot_decide_and_a_bad_request_writes_nothing(platform, service_db):
    export = platform("exports", "request_export", body={"dataset": "budget", "filters": {"year": 2026},
                                                         "purpose": "预算执行分析", "fields": ["title", "amount_fen"]})
    with pytest.raises(Forbidden):
        platform("exports", "approve_export", export_id=export["id"], body={"comment": "自己批"})
    before = service_db("exports").exports.count_documents({})
    with pytest.raises(ValidationFailed) as refused:
        platform("exports", "request_export", body={"dataset": "cases", "purpose": "分析", "fields": ["password"]})
    assert list(refused.value.fields) == ["fields"]
    assert service_db("exports").exports.count_documents({}) == before


def test_an_export_past_its_expiry_is_refused_and_counts_nothing(platform, approved, service_db):
    clock.travel(timedelta(days=7))
    try:
        with pytest.raises(Conflict) as refused:
            platform("exports", "download_export", export_id=approved["id"])
    finally:
        clock.reset()
    assert list(refused.value.fields) == ["expires_at"]
    assert service_db("exports").exports.find_one({"_id": approved["id"]})["downloads"] == 0


def test_an_owning_service_that_does_not_answer_is_a_504_and_uses_no_download(platform, service_db):
    export = platform("exports", "request_export", body={"dataset": "budget", "filters": {}, "purpose": "预算执行分析",
                                                         "fields": ["title"]})
    platform("exports", "approve_export", actor=CHIEF, export_id=export["id"], body={"comment": "同意"})
    with pytest.raises(UpstreamTimeout):
        platform("exports", "download_export", export_id=export["id"])
    assert service_db("exports").exports.find_one({"_id": export["id"]})["downloads"] == 0
    assert service_db("exports").outbox.count_documents({"type": "export.downloaded"}) == 0
