"""The access ledger (数据台账): the audit service behind HTTP."""
from contracts.rpc import audit_v1
from gateway.http import route
from gateway.rpc import BoundedRpcProxy

READERS = ("admin", "inspector")


class AuditRoutes:
    audit = BoundedRpcProxy("audit")

    @route("GET", "/v1/audit/entries", roles=READERS, query=audit_v1.EntryQuery, response=audit_v1.EntryPage,
           summary="数据台账：谁在何时从何处读取或变更了什么（管理员、检务督察；分页，新的在前）", tag="audit")
    def list_audit_entries(self, request, query):
        return self.audit.list_entries(query=query)

    @route("GET", "/v1/audit/verify", roles=READERS, query=audit_v1.VerifyQuery, response=audit_v1.Verification,
           summary="核验某日台账的哈希链，指出第一个断链处（管理员、检务督察）", tag="audit")
    def verify_audit_chain(self, request, query):
        return self.audit.verify(query=query)
