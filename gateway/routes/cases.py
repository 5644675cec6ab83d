"""Cases: the cases service behind HTTP."""
from contracts.rpc import cases_v1
from contracts.rpc.common import PageQuery
from gateway.http import route
from gateway.ledger import PERSONAL
from kit.rpc_client import BoundedRpcProxy
from kit.errors import ValidationFailed


def personal_data_shown(request, result):
    """Mark the request in the access ledger when it showed an id number unmasked."""
    items = result.get("items", [result]) if isinstance(result, dict) else []
    if any(isinstance(item, dict) and item.get("id_number_masked") is False for item in items):
        request.environ[PERSONAL] = True
    return result


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

    @route("PATCH", "/v1/cases/<case_id>", body=cases_v1.EditCase, response=cases_v1.Case, errors=(409,),
           summary="修改案卡（标题、受理日期、案由、来源、承办检察官、检察官助理、备注；承办人或本部门负责人；记入历史）",
           tag="cases")
    def edit_case(self, request, case_id, body):
        return self.cases.edit_case(case_id=case_id, body=body)

    @route("POST", "/v1/cases/<case_id>/assign", body=cases_v1.AssignCase, response=cases_v1.Case,
           summary="分配承办人", tag="cases")
    def assign_case(self, request, case_id, body):
        return self.cases.assign_case(case_id=case_id, body=body, handler=self._handler_account(body["handler_id"]))

    @route("POST", "/v1/cases/<case_id>/transition", body=cases_v1.TransitionCase, response=cases_v1.Case,
           summary="变更案件状态（已登记→审查中→已决定→已结案）", tag="cases")
    def transition_case(self, request, case_id, body):
        return self.cases.transition_case(case_id=case_id, body=body)

    # -- what a case holds: suspects, asset recovery, wage supervision, its history ------------------
    @route("POST", "/v1/cases/<case_id>/suspects", body=cases_v1.NewSuspect, response=cases_v1.Suspect, status=201,
           summary="添加犯罪嫌疑人（承办人或本部门负责人）", tag="cases")
    def add_suspect(self, request, case_id, body):
        return personal_data_shown(request, self.cases.add_suspect(case_id=case_id, body=body))

    @route("GET", "/v1/cases/<case_id>/suspects", query=PageQuery, response=cases_v1.SuspectPage,
           summary="犯罪嫌疑人列表（分页；身份证号仅对承办人、本部门负责人与管理员完整显示）", tag="cases")
    def list_suspects(self, request, case_id, query):
        return personal_data_shown(request, self.cases.list_suspects(case_id=case_id, query=query))

    @route("GET", "/v1/cases/<case_id>/suspects/<suspect_id>", response=cases_v1.Suspect,
           summary="犯罪嫌疑人详情", tag="cases")
    def get_suspect(self, request, case_id, suspect_id):
        return personal_data_shown(request, self.cases.get_suspect(case_id=case_id, suspect_id=suspect_id))

    @route("PATCH", "/v1/cases/<case_id>/suspects/<suspect_id>", body=cases_v1.EditSuspect,
           response=cases_v1.Suspect, summary="修改犯罪嫌疑人（含处理决定；不起诉并应予行政处罚的启动反向衔接）",
           tag="cases", errors=(409,))
    def edit_suspect(self, request, case_id, suspect_id, body):
        return personal_data_shown(request, self.cases.edit_suspect(case_id=case_id, suspect_id=suspect_id, body=body))

    @route("POST", "/v1/cases/<case_id>/suspects/<suspect_id>/proposed-non-prosecution",
           body=cases_v1.ProposeNonProsecution, response=cases_v1.Suspect, errors=(409,), tag="cases",
           summary="登记拟不起诉（决定前；认为应予行政处罚的，同时告知行政检察部门）")
    def propose_non_prosecution(self, request, case_id, suspect_id, body):
        return personal_data_shown(request, self.cases.propose_non_prosecution(
            case_id=case_id, suspect_id=suspect_id, body=body))

    @route("POST", "/v1/cases/<case_id>/suspects/<suspect_id>/referral", body=cases_v1.RecordReferral,
           response=cases_v1.Suspect, summary="登记移送行政处罚（承办人）", tag="cases")
    def record_referral(self, request, case_id, suspect_id, body):
        return personal_data_shown(request, self.cases.record_referral(case_id=case_id, suspect_id=suspect_id,
                                                                       body=body))

    @route("PUT", "/v1/cases/<case_id>/asset-recovery", body=cases_v1.AssetRecovery, response=cases_v1.Case,
           summary="登记追赃挽损（刑事案件；金额以分为单位）", tag="cases", errors=(409,))
    def set_asset_recovery(self, request, case_id, body):
        return self.cases.set_asset_recovery(case_id=case_id, body=body)

    @route("PUT", "/v1/cases/<case_id>/wage-supervision", body=cases_v1.WageSupervision, response=cases_v1.Case,
           summary="登记护薪执行监督（民事执行监督案件；金额以分为单位）", tag="cases", errors=(409,))
    def set_wage_supervision(self, request, case_id, body):
        return self.cases.set_wage_supervision(case_id=case_id, body=body)

    @route("GET", "/v1/cases/<case_id>/history", query=PageQuery, response=cases_v1.HistoryPage,
           summary="案件变更历史（只增不改）", tag="cases")
    def case_history(self, request, case_id, query):
        return self.cases.case_history(case_id=case_id, query=query)

    # -- quality evaluation, statistics -------------------------------------------------------------
    @route("POST", "/v1/cases/<case_id>/evaluations", roles=("case_manager",), body=cases_v1.NewEvaluation,
           response=cases_v1.Evaluation, status=201, summary="案件质量评查（案管；结果送达承办检察官）", tag="cases")
    def evaluate_case(self, request, case_id, body):
        return self.cases.evaluate_case(case_id=case_id, body=body)

    @route("GET", "/v1/cases/<case_id>/evaluations", query=PageQuery, response=cases_v1.EvaluationPage,
           summary="案件的评查记录", tag="cases")
    def case_evaluations(self, request, case_id, query):
        return self.cases.case_evaluations(case_id=case_id, query=query)

    @route("GET", "/v1/cases/stats", query=cases_v1.StatsQuery, response=cases_v1.CaseStats,
           summary="案件统计（按登记日期 from–to；类别、状态、罪名、层级、追赃挽损、护薪、评查等次）", tag="cases")
    def case_stats(self, request, query):
        return self.cases.case_stats(query=query)


class DataCheckRoutes:
    """Case-card data checks (数据核查): the rules, runs on request, and the findings they track."""
    cases = BoundedRpcProxy("cases")

    @route("GET", "/v1/data-checks/rules", response=cases_v1.CheckRuleList, summary="数据核查规则", tag="data-checks")
    def check_rules(self, request):
        return self.cases.check_rules()

    @route("POST", "/v1/data-checks/runs", roles=("case_manager",), body=cases_v1.RequestCheckRun,
           response=cases_v1.CheckRun, status=202, summary="发起一次数据核查（案管；异步执行，见 GET 结果）",
           tag="data-checks")
    def request_check_run(self, request, body):
        return self.cases.request_check_run(body=body)

    @route("GET", "/v1/data-checks/runs", query=PageQuery, response=cases_v1.CheckRunPage,
           summary="数据核查任务（每日、每周、每月及按需）", tag="data-checks")
    def check_runs(self, request, query):
        return self.cases.check_runs(query=query)

    @route("GET", "/v1/data-checks/runs/<run_id>", response=cases_v1.CheckRun, summary="数据核查任务详情",
           tag="data-checks")
    def check_run(self, request, run_id):
        return self.cases.check_run(run_id=run_id)

    @route("GET", "/v1/data-checks/findings", query=cases_v1.FindingQuery, response=cases_v1.FindingPage,
           summary="数据核查发现的问题（status、department、rule、case_id、owner_id 过滤）", tag="data-checks")
    def list_findings(self, request, query):
        return self.cases.list_findings(query=query)
