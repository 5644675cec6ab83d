"""Notifications: types, channels, delivery statuses and the reasons a delivery was skipped or failed."""
from contracts.enums.registry import register

# A notification's type is the event type that caused it (services/notifications/rules.py holds one
# rule per type; a unit test keeps both lists equal).
NOTIFICATION_TYPES = register("notification_types", {
    "case.assigned": "案件分配",
    "case.reassigned": "案件承办人更换或退回",
    "account.login_throttled": "登录限速（多次密码错误）",
    "case.evaluated": "案件评查结果",
    "data_check.finding_opened": "数据核查问题",
    "case.referral_overdue": "移送行政处罚逾期",
    "case.referral_due_moved": "移送期限按工作日历重新计算",
    "calendar.schedule_missing": "工作日历缺少放假安排",
    "budget.request_reviewed": "预算申请审核结果",
    "budget.request_decided": "预算申请党组决定",
    "budget.procurement_started": "采购启动（督察监督）",
    "supervision_task.created": "督办事项交办",
    "supervision_task.due_soon": "督办事项即将到期",
    "supervision_task.overdue": "督办事项逾期（报部门负责人）",
    "supervision_task.very_overdue": "督办事项严重逾期（提请检察长关注）",
    "supervision_task.deadline_extended": "督办事项已延期",
    "case.referral_due_today": "移送行政处罚今日到期",
    "case.non_prosecution_proposed": "拟不起诉（行刑反向衔接提前告知）",
    "finding.overdue": "检查问题逾期未整改",
    "recommendation.approved": "检察建议已批准",
    "recommendation.rejected": "检察建议被退回修改",
    "recommendation.due_soon": "检察建议回复期限将至",
    "recommendation.overdue": "检察建议逾期未回复",
    "recommendation.very_overdue": "检察建议严重逾期（提请检察长关注）",
    "recommendation.replied": "检察建议已回复",
    "recommendation.deadline_extended": "检察建议回复期限已延长",
    "recommendation.submitted": "检察建议待审批",
    "budget.request_submitted": "预算申请待审核",
    "export.requested": "数据导出待审批",
    "case.key_evaluation_flagged": "重点评查案件",
    "interference_record.filed": "过问干预案件记录",
    "recommendation.review_due_today": "反向衔接审查今日到期",
    "recommendation.review_overdue": "反向衔接审查逾期",
    "recommendation.review_due_moved": "反向衔接审查期限按工作日历重新计算",
}, title="通知类型")

NOTIFICATION_CHANNELS = register("notification_channels", {
    "in_app": "站内消息",
    "email": "电子邮件",
    "webhook": "Webhook 回调",
}, title="通知渠道")

DELIVERY_STATUSES = register("delivery_statuses", {
    "queued": "待发送",
    "sent": "已发送",
    "delivered": "已送达",
    "failed": "发送失败",
    "skipped": "未发送（已跳过）",
}, title="投递状态")

DELIVERY_REASONS = register("delivery_reasons", {
    "preference_off": "用户已关闭该类通知",
    "no_email": "用户未设置电子邮件地址",
    "recipient_deactivated": "用户已停用",
    "smtp_not_configured": "未配置邮件服务",
    "retries_exhausted": "多次重试仍失败",
    "permanent_failure": "对方永久拒收",
    "recipient_unknown": "收件人未同步",
    "webhook_removed": "订阅已删除或停用",
}, title="跳过或失败原因")
