"""Inspections (督察督办): supervision tasks, on-site inspections and their findings, behind HTTP."""
from contracts.rpc import inspections_v1 as contract
from gateway.http import route
from kit.rpc_client import BoundedRpcProxy
from kit.errors import Forbidden, NotFound, ValidationFailed

# Who assigns supervision tasks, who records inspections, who verifies (the service checks the rest:
# a department head assigns within their department; the owner reports and completes).
ASSIGNERS = ("inspector", "department_head", "chief_procurator")
INSPECTING = ("inspector", "prosecutor", "department_head", "chief_procurator")
VERIFIERS = ("inspector",)


class InspectionRoutes:
    inspections = BoundedRpcProxy("inspections")
    accounts = BoundedRpcProxy("accounts")  # to resolve an owner_id (the same proxy AccountRoutes has)
    cases = BoundedRpcProxy("cases")  # to resolve a case_id as the caller sees it (the same proxy CaseRoutes has)

    def _visible_case(self, case_id):
        """The case ``case_id`` names, as the cases service shows it to the caller (its own visibility
        rule, under the caller's identity): a case that does not exist or that the caller may not read
        is a 400 naming ``case_id``, the same answer for both."""
        try:
            case = self.cases.get_case(case_id=case_id)
        except (NotFound, Forbidden):
            raise ValidationFailed("请求参数有误", fields={"case_id": ["案件不存在或无权查看"]}) from None
        return {"case_id": case["id"], "department": case["department"]}

    def _owner_account(self, user_id):
        account = self.accounts.find_active(user_id=user_id)
        if account is None:
            raise ValidationFailed("请求参数有误", fields={"owner_id": ["用户不存在或已停用"]})
        return {"user_id": account["id"], "roles": account["roles"], "department": account["department"]}

    # -- supervision tasks (督办事项) -------------------------------------------------------------------
    @route("POST", "/v1/supervision-tasks", roles=ASSIGNERS, body=contract.NewSupervisionTask,
           response=contract.SupervisionTask, status=201,
           summary="交办督办事项（检务督察、部门负责人（本部门）、检察长）", tag="supervision-tasks")
    def create_supervision_task(self, request, body):
        return self.inspections.create_supervision_task(body=body, owner=self._owner_account(body["owner_id"]))

    @route("GET", "/v1/supervision-tasks", query=contract.TaskQuery, response=contract.TaskPage,
           summary="督办事项列表（status、department、owner_id、overdue 过滤）", tag="supervision-tasks")
    def list_supervision_tasks(self, request, query):
        return self.inspections.list_supervision_tasks(query=query)

    @route("GET", "/v1/supervision-tasks/<task_id>", response=contract.SupervisionTask,
           summary="督办事项详情（overdue、days_overdue 按当天计算）", tag="supervision-tasks")
    def get_supervision_task(self, request, task_id):
        return self.inspections.get_supervision_task(task_id=task_id)

    @route("POST", "/v1/supervision-tasks/<task_id>/progress", body=contract.TaskProgress,
           response=contract.SupervisionTask, summary="报告办理进展（责任人）", tag="supervision-tasks", errors=(409,))
    def report_task_progress(self, request, task_id, body):
        return self.inspections.report_task_progress(task_id=task_id, body=body)

    @route("POST", "/v1/supervision-tasks/<task_id>/complete", body=contract.CompleteTask,
           response=contract.SupervisionTask, summary="办结（责任人；须附佐证材料）", tag="supervision-tasks",
           errors=(409,))
    def complete_supervision_task(self, request, task_id, body):
        return self.inspections.complete_supervision_task(task_id=task_id, body=body)

    @route("POST", "/v1/supervision-tasks/<task_id>/extend", roles=ASSIGNERS, body=contract.ExtendTask,
           response=contract.SupervisionTask, summary="延长办结期限（写明理由；交办人批准；提醒随之改期）",
           tag="supervision-tasks", errors=(409,))
    def extend_supervision_task(self, request, task_id, body):
        return self.inspections.extend_supervision_task(task_id=task_id, body=body)

    @route("POST", "/v1/supervision-tasks/<task_id>/verify", roles=VERIFIERS, body=contract.VerifyTask,
           response=contract.SupervisionTask, summary="核验办结情况（检务督察；退回则回到办理中）",
           tag="supervision-tasks", errors=(409,))
    def verify_supervision_task(self, request, task_id, body):
        return self.inspections.verify_supervision_task(task_id=task_id, body=body)

    # -- on-site inspections ---------------------------------------------------------------------------
    @route("POST", "/v1/inspections", roles=INSPECTING, body=contract.NewInspection, response=contract.Inspection,
           status=201, summary="登记现场检查（reinspection_of：回头看复查，逐项认定原问题仍存在或已消除）",
           tag="inspections")
    def record_inspection(self, request, body):
        return self.inspections.record_inspection(body=body)

    @route("GET", "/v1/inspections", query=contract.InspectionQuery, response=contract.InspectionPage,
           summary="现场检查列表（kind 过滤）", tag="inspections")
    def list_inspections(self, request, query):
        return self.inspections.list_inspections(query=query)

    @route("GET", "/v1/inspections/stats", query=contract.InspectionStatsQuery, response=contract.InspectionStats,
           summary="现场检查统计（按检查日期 from–to、对象类型 kind）", tag="inspections")
    def inspection_stats(self, request, query):
        return self.inspections.inspection_stats(query=query)

    @route("GET", "/v1/inspections/<inspection_id>", response=contract.Inspection,
           summary="现场检查详情（含发现的问题）", tag="inspections")
    def get_inspection(self, request, inspection_id):
        return self.inspections.get_inspection(inspection_id=inspection_id)

    @route("POST", "/v1/inspections/<inspection_id>/findings", roles=INSPECTING, body=contract.NewFinding,
           response=contract.InspectionFinding, status=201,
           summary="登记发现的问题（隐患）；未填整改期限的按隐患等级的默认天数确定", tag="inspections")
    def record_finding(self, request, inspection_id, body):
        return self.inspections.record_finding(inspection_id=inspection_id, body=body)

    # -- findings (隐患) ----------------------------------------------------------------------------------
    @route("GET", "/v1/findings", query=contract.InspectionFindingQuery, response=contract.InspectionFindingPage,
           summary="检查发现的问题列表（inspection_id、status、overdue 过滤）", tag="inspections")
    def list_inspection_findings(self, request, query):
        return self.inspections.list_findings(query=query)

    @route("GET", "/v1/findings/<finding_id>", response=contract.InspectionFinding, summary="问题详情", tag="inspections")
    def get_inspection_finding(self, request, finding_id):
        return self.inspections.get_finding(finding_id=finding_id)

    @route("POST", "/v1/findings/<finding_id>/rectify", body=contract.RectifyFinding, response=contract.InspectionFinding,
           summary="登记整改（本次检查人员或检务督察；须附佐证材料）", tag="inspections", errors=(409,))
    def rectify_finding(self, request, finding_id, body):
        return self.inspections.rectify_finding(finding_id=finding_id, body=body)

    @route("POST", "/v1/findings/<finding_id>/verify", roles=VERIFIERS, body=contract.VerifyFinding,
           response=contract.InspectionFinding, summary="核验整改（检务督察；不通过则回到待整改）", tag="inspections",
           errors=(409,))
    def verify_finding(self, request, finding_id, body):
        return self.inspections.verify_finding(finding_id=finding_id, body=body)


class StaffRoutes:
    """Managing people through cases: the staff ledger's scorecard, discipline findings, and the
    "three provisions" records of interference in cases."""
    inspections = BoundedRpcProxy("inspections")
    accounts = BoundedRpcProxy("accounts")

    def _person(self, user_id):
        """The account a path names (active or not), or None: the service answers 404 then."""
        account = self.accounts.get_account(user_id=user_id)
        if account is None:
            return None
        return {"user_id": account["id"], "roles": account["roles"], "department": account["department"],
                "active": account["active"]}

    @route("GET", "/v1/staff/<user_id>/scorecard", query=contract.ScorecardQuery, response=contract.Scorecard,
           summary="干警正负面清单季度计分（本人、所在部门负责人、检务督察和院领导可见）", tag="staff")
    def staff_scorecard(self, request, user_id, query):
        return self.inspections.staff_scorecard(user_id=user_id, query=query, person=self._person(user_id))

    @route("POST", "/v1/staff/<user_id>/discipline-findings", roles=("inspector",),
           body=contract.NewDisciplineFinding, response=contract.DisciplineFinding, status=201,
           summary="记录纪律作风问题（检务督察；须附佐证材料；计入负面清单）", tag="staff")
    def record_discipline_finding(self, request, user_id, body):
        return self.inspections.record_discipline_finding(user_id=user_id, body=body, person=self._person(user_id))

    @route("POST", "/v1/interference-records", body=contract.NewInterferenceRecord,
           response=contract.InterferenceRecord, status=201,
           summary="记录过问、干预案件情况（三个规定；任何干警均可对本人可查看的案件记录，只增不改不删）", tag="staff")
    def file_interference_record(self, request, body):
        return self.inspections.file_interference_record(body=body, case=self._visible_case(body["case_id"]))

    @route("GET", "/v1/interference-records", roles=("inspector", "chief_procurator"),
           query=contract.InterferenceQuery, response=contract.InterferencePage,
           summary="过问干预案件记录（检务督察、检察长）", tag="staff")
    def list_interference_records(self, request, query):
        return self.inspections.list_interference_records(query=query)

    @route("GET", "/v1/interference-records/<record_id>", roles=("inspector", "chief_procurator"),
           response=contract.InterferenceRecord, summary="过问干预案件记录详情（检务督察、检察长）", tag="staff")
    def get_interference_record(self, request, record_id):
        return self.inspections.get_interference_record(record_id=record_id)

    @route("POST", "/v1/interference-records/<record_id>/annotations", roles=("inspector", "chief_procurator"),
           body=contract.Annotation, response=contract.InterferenceRecord, status=201,
           summary="为过问干预案件记录添加批注（记录本身不可修改、删除）", tag="staff")
    def annotate_interference_record(self, request, record_id, body):
        return self.inspections.annotate_interference_record(record_id=record_id, body=body)
