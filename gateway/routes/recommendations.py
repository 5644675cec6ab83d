"""Recommendations (检察建议) and procuratorial opinions: the recommendations service behind HTTP.

Every action is ``POST /v1/recommendations/{id}/<action>``; approval and rejection are the chief
procurator's (refused here before any call), the other rules are the service's.

A draft is changed by ``PATCH /v1/recommendations/{id}/draft``, not on ``/{id}`` itself: there,
``/v1/recommendations/stats`` would also match "the recommendation called stats", and its ``Allow``
header would advertise a PATCH the statistics do not have."""
from contracts.rpc import recommendations_v1 as contract
from gateway.http import route
from kit.rpc_client import BoundedRpcProxy

TAG = "recommendations"
WORKERS = ("prosecutor", "department_head", "chief_procurator", "admin")
CHIEF = ("chief_procurator",)
REC = contract.Recommendation


class RecommendationRoutes:
    recommendations = BoundedRpcProxy("recommendations")

    @route("POST", "/v1/recommendations", roles=WORKERS, body=contract.NewRecommendation, response=REC, status=201,
           summary="起草检察建议（案件须存在且本人可见；kind 为 procuratorial_opinion 即检察意见）", tag=TAG)
    def draft_recommendation(self, request, body):
        return self.recommendations.draft_recommendation(body=body)

    @route("GET", "/v1/recommendations", query=contract.RecommendationQuery, response=contract.RecommendationPage,
           summary="检察建议列表（status、kind、case_id、overdue、target_unit 过滤；游标分页）", tag=TAG)
    def list_recommendations(self, request, query):
        return self.recommendations.list_recommendations(query=query)

    @route("GET", "/v1/recommendations/stats", query=contract.StatsQuery, response=contract.RecommendationStats,
           summary="检察建议统计（按送达日期 from–to：制发、回复率、按期回复率、采纳率、落实、逾期、整改事项）", tag=TAG)
    def recommendation_stats(self, request, query):
        return self.recommendations.recommendation_stats(query=query)

    @route("GET", "/v1/recommendations/<recommendation_id>", response=REC,
           summary="检察建议详情（overdue、days_overdue 按今日计算）", tag=TAG)
    def get_recommendation(self, request, recommendation_id):
        return self.recommendations.get_recommendation(recommendation_id=recommendation_id)

    @route("PATCH", "/v1/recommendations/<recommendation_id>/draft", roles=WORKERS, body=contract.EditRecommendation,
           response=REC, summary="修改草稿（target_unit、title、problems、proposals、urgent、urgent_reply_days）", tag=TAG, errors=(409,))
    def edit_recommendation(self, request, recommendation_id, body):
        return self.recommendations.edit_recommendation(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/disagreement", roles=WORKERS, body=contract.Disagreement,
           response=REC, summary="登记刑事、行政检察部门意见分歧（检察意见；须经联席会议方可提请审批）", tag=TAG,
           errors=(409,))
    def record_disagreement(self, request, recommendation_id, body):
        return self.recommendations.record_disagreement(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/joint-meeting", roles=WORKERS,
           body=contract.JointMeeting, response=REC, summary="登记检察官联席会议（日期、参加人员、结论）", tag=TAG,
           errors=(409,))
    def record_joint_meeting(self, request, recommendation_id, body):
        return self.recommendations.record_joint_meeting(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/submit", roles=WORKERS, response=REC,
           summary="提请检察长审批（草稿 → 待审批）", tag=TAG, errors=(409,))
    def submit(self, request, recommendation_id):
        return self.recommendations.submit(recommendation_id=recommendation_id)

    @route("POST", "/v1/recommendations/<recommendation_id>/approve", roles=CHIEF, response=REC,
           summary="批准（检察长）", tag=TAG, errors=(409,))
    def approve(self, request, recommendation_id):
        return self.recommendations.approve(recommendation_id=recommendation_id)

    @route("POST", "/v1/recommendations/<recommendation_id>/reject", roles=CHIEF, body=contract.Reject,
           response=REC, summary="退回修改（检察长；退回草稿，保留意见）", tag=TAG, errors=(409,))
    def reject(self, request, recommendation_id, body):
        return self.recommendations.reject(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/serve", roles=WORKERS, body=contract.Serve,
           response=REC, summary="送达（书面或宣告；计算回复期限 reply_due_on）", tag=TAG, errors=(409,))
    def serve(self, request, recommendation_id, body):
        return self.recommendations.serve(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/objection", roles=WORKERS, body=contract.Objection,
           response=REC, summary="登记被建议单位的异议", tag=TAG, errors=(409,))
    def record_objection(self, request, recommendation_id, body):
        return self.recommendations.record_objection(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/resolve-objection", roles=WORKERS,
           body=contract.ResolveObjection, response=REC, summary="处理异议（维持、修改或撤回）", tag=TAG,
           errors=(409,))
    def resolve_objection(self, request, recommendation_id, body):
        return self.recommendations.resolve_objection(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/reply", roles=WORKERS, body=contract.Reply,
           response=REC, summary="登记回复（采纳、部分采纳、未采纳；取消尚未到期的提醒）", tag=TAG, errors=(409,))
    def record_reply(self, request, recommendation_id, body):
        return self.recommendations.record_reply(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/extend", roles=("department_head", "chief_procurator", "admin"),
           body=contract.ExtendReply, response=REC, tag=TAG, errors=(409,),
           summary="延长回复期限（写明理由；不填 until 则按法定延长期限，如法院一个月；提醒随之改期）")
    def extend_reply_deadline(self, request, recommendation_id, body):
        return self.recommendations.extend_reply_deadline(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/follow-ups", roles=WORKERS, body=contract.FollowUp,
           response=REC, summary="登记回访（回头看；可多次）", tag=TAG, errors=(409,))
    def record_follow_up(self, request, recommendation_id, body):
        return self.recommendations.record_follow_up(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/escalate", roles=WORKERS, body=contract.Escalate,
           response=REC, summary="督促落实升级（报告上级、通报主管部门、报告党委人大、提起公益诉讼）", tag=TAG,
           errors=(409,))
    def escalate(self, request, recommendation_id, body):
        return self.recommendations.escalate(recommendation_id=recommendation_id, body=body)

    @route("POST", "/v1/recommendations/<recommendation_id>/close", roles=WORKERS, body=contract.Close,
           response=REC, summary="结案（已落实或未落实整改）", tag=TAG, errors=(409,))
    def close(self, request, recommendation_id, body):
        return self.recommendations.close(recommendation_id=recommendation_id, body=body)
