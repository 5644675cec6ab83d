"""Cases: the cases service behind HTTP."""
from contracts.rpc import cases_v1
from gateway.http import route
from gateway.rpc import BoundedRpcProxy
from kit.errors import ValidationFailed


class CaseRoutes:
    cases = BoundedRpcProxy("cases")
    accounts = BoundedRpcProxy("accounts")  # to resolve a handler_id (the same proxy AccountRoutes has)

    def _handler_account(self, user_id):
        """The active account ``user_id`` names, as the cases service's handler rules need it."""
        if user_id is None:
            return None
        account = self.accounts.find_active(user_id=user_id)
        if account is None:
            raise ValidationFailed("请求参数有误", fields={"handler_id": ["用户不存在或已停用"]})
        return {"user_id": account["id"], "roles": account["roles"], "department": account["department"]}

    @route("POST", "/v1/cases", body=cases_v1.RegisterCase, response=cases_v1.Case, status=201,
           summary="登记案件", tag="cases")
    def register_case(self, request, body):
        return self.cases.register_case(body=body, handler=self._handler_account(body["handler_id"]))

    @route("GET", "/v1/cases", query=cases_v1.CaseQuery, response=cases_v1.CasePage,
           summary="案件列表（游标分页，q 匹配案号或案件名称）", tag="cases")
    def list_cases(self, request, query):
        return self.cases.list_cases(query=query)

    @route("GET", "/v1/cases/<case_id>", response=cases_v1.Case, summary="案件详情", tag="cases")
    def get_case(self, request, case_id):
        return self.cases.get_case(case_id=case_id)

    @route("POST", "/v1/cases/<case_id>/assign", body=cases_v1.AssignCase, response=cases_v1.Case,
           summary="分配承办人", tag="cases")
    def assign_case(self, request, case_id, body):
        return self.cases.assign_case(case_id=case_id, body=body, handler=self._handler_account(body["handler_id"]))

    @route("POST", "/v1/cases/<case_id>/transition", body=cases_v1.TransitionCase, response=cases_v1.Case,
           summary="变更案件状态（已登记→审查中→已决定→已结案）", tag="cases")
    def transition_case(self, request, case_id, body):
        return self.cases.transition_case(case_id=case_id, body=body)
