"""Who may read the access ledger: the administrator and the inspection office (检务督察)."""
from kit.errors import Forbidden

READERS = ("admin", "inspector")


def ensure_can_read(actor):
    if not actor.has_any_role(*READERS):
        raise Forbidden("只有管理员和检务督察可以查阅数据台账")
