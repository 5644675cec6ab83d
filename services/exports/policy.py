"""Who may do what with a data export (模型数据调取审批). Pure: no broker, no database.

- Anyone signed in may ask for an export: the chief procurator's approval is the control, and the
  request states its purpose, fields and filters for them to judge.
- Only the chief procurator approves or rejects, and never their own request (a second person
  always decides).
- Only the requester downloads (not the approver, not an admin): the file is for the approved
  purpose of the person who asked.
- The requester, the chief procurator, inspectors (检务督察) and admins see a request; everyone
  else lists only their own.
"""
from kit.errors import Forbidden

APPROVER = "chief_procurator"
OVERSEERS = ("chief_procurator", "inspector", "admin")


def ensure_can_decide(actor, export):
    if not actor.has_any_role(APPROVER):
        raise Forbidden("仅检察长可审批数据导出申请")
    if export["requested_by"] == actor.user_id:
        raise Forbidden("不能审批本人提出的数据导出申请")


def ensure_can_view(actor, export):
    if export["requested_by"] != actor.user_id and not actor.has_any_role(*OVERSEERS):
        raise Forbidden("无权查看他人的数据导出申请")


def list_scope(actor, requested_by):
    """The ``requested_by`` filter a list must use: overseers any (or none), others only their own."""
    if actor.has_any_role(*OVERSEERS):
        return requested_by
    if requested_by and requested_by != actor.user_id:
        raise Forbidden("无权查看他人的数据导出申请")
    return actor.user_id


def ensure_can_download(actor, export):
    if export["requested_by"] != actor.user_id:
        raise Forbidden("仅申请人可下载导出文件")
