"""The HTTP gateway: the routes of every domain (gateway/routes/), composed into one nameko service.

Each route is thin: the route decorator has already authenticated, checked roles and validated;
the method calls one service over RPC and returns what it answers. Domain rules live in the
services. The gateway keeps no database: accounts live in the accounts service."""
from nameko.dependency_providers import Config

from gateway.routes.accounts import AccountRoutes
from gateway.routes.audit import AuditRoutes
from gateway.routes.budgeting import BudgetRoutes, VehicleRoutes
from gateway.routes.cases import CaseRoutes, DataCheckRoutes
from gateway.routes.console import ConsoleRoutes
from gateway.routes.inspections import InspectionRoutes, StaffRoutes
from gateway.routes.exports import ExportRoutes
from gateway.routes.meta import MetaRoutes
from gateway.routes.notifications import NotificationRoutes
from gateway.routes.recommendations import RecommendationRoutes
from kit.context import RequestContext

ROUTE_MIXINS = (AccountRoutes, CaseRoutes, DataCheckRoutes, NotificationRoutes, RecommendationRoutes, BudgetRoutes,
                VehicleRoutes, InspectionRoutes, StaffRoutes, AuditRoutes, ExportRoutes, MetaRoutes,
                ConsoleRoutes)


class GatewayService(*ROUTE_MIXINS):
    name = "gateway"

    ctx = RequestContext(log_calls=False)  # the route writes the access line instead
    config = Config()
