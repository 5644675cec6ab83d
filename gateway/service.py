"""Routes of the HTTP gateway. Each one is thin: the route decorator has
already authenticated and validated; the method calls one service over RPC
(or the user store) and returns JSON. Domain rules live in the services."""
from functools import lru_cache

from kombu import Connection
from nameko.dependency_providers import Config

from contracts import enums
from contracts.rpc import cases_v1, notifications_v1
from gateway import docs, schemas
from gateway.auth import Tokens
from gateway.http import LOGIN, route
from gateway.openapi import build_spec
from gateway.rpc import BoundedRpcProxy
from gateway.users import Users
from kit.context import RequestContext
from kit.errors import Conflict, Unauthorized, ValidationFailed

USER = schemas.User()


def login_workers(config):
    """Workers logins may hold at once: those hashing plus those waiting to (gateway.auth.HashingGate)."""
    return int(config.get("LOGIN_HASH_CONCURRENCY", 1)) + int(config.get("LOGIN_HASH_QUEUE", 4))


class GatewayService:
    name = "gateway"

    ctx = RequestContext(log_calls=False)  # the route writes the access line instead
    config = Config()
    users = Users()
    tokens = Tokens()
    cases = BoundedRpcProxy("cases")
    notifications = BoundedRpcProxy("notifications")

    # -- auth and users ----------------------------------------------------
    @route("POST", "/v1/auth/token", auth=False, body=schemas.TokenRequest, response=schemas.TokenResponse,
           summary="登录，获取访问令牌（失败过多时 429，见 Retry-After）", tag="auth", errors=(401, 429),
           max_in_flight=login_workers)
    def issue_token(self, request, body):
        request.environ[LOGIN] = {"outcome": "throttled"}  # unless the attempt gets further
        attempt = self.users.authenticate(body["username"], body["password"], request.remote_addr)
        request.environ[LOGIN] = {"outcome": "succeeded" if attempt.user else "failed", "user_id": attempt.account_id}
        if attempt.user is None:
            raise Unauthorized("用户名或密码错误")
        return self._token_for(attempt.user)

    def _token_for(self, user):
        return {"access_token": self.tokens.issue(user), "token_type": "bearer", "expires_in": self.tokens.ttl_seconds}

    @route("POST", "/v1/users", roles=("admin",), body=schemas.CreateUser, response=schemas.User, status=201,
           summary="创建用户", tag="users")
    def create_user(self, request, body):
        return USER.dump(self.users.create(body, created_by=self.ctx.actor.user_id))

    @route("GET", "/v1/users", query=schemas.UserQuery, response=schemas.UserPage,
           summary="用户列表（非跨部门角色只见本部门）", tag="users")
    def list_users(self, request, query):
        department = self.ctx.actor.scoped_department(query["department"])
        items, next_cursor = self.users.search(department=department, limit=query["limit"], cursor=query["cursor"])
        return schemas.UserPage().dump({"items": items, "next_cursor": next_cursor})

    @route("GET", "/v1/users/<user_id>", response=schemas.User, summary="用户详情（非跨部门角色只见本部门）",
           tag="users")
    def get_user(self, request, user_id):
        user = self.users.get(user_id)
        if user_id != self.ctx.actor.user_id:
            self.ctx.actor.ensure_department(user["department"])
        return USER.dump(user)

    @route("PATCH", "/v1/users/<user_id>", roles=("admin",), body=schemas.UpdateUser, response=schemas.User,
           summary="修改用户（姓名、部门、角色；active=false 停用，其令牌随即失效）", tag="users", errors=(409,))
    def update_user(self, request, user_id, body):
        if user_id == self.ctx.actor.user_id:
            # An admin does not change their own access: no self-lockout, no self-promotion, and a
            # second admin sees every such change.
            own = sorted(key for key in ("active", "roles", "department") if key in body)
            if own:
                raise Conflict("不能修改自己账户的状态、角色或部门（请由另一位管理员操作）",
                               fields={key: ["不能对自己执行此操作"] for key in own})
        return USER.dump(self.users.update(user_id, body, changed_by=self.ctx.actor.user_id))

    @route("POST", "/v1/users/<user_id>/unlock", roles=("admin",), response=schemas.User,
           summary="解除账户的登录锁定（清除其失败登录计数）", tag="users")
    def unlock_user(self, request, user_id):
        return USER.dump(self.users.unlock(user_id))

    @route("GET", "/v1/me", response=schemas.User, summary="当前用户", tag="users")
    def me(self, request):
        return USER.dump(self.users.get(self.ctx.actor.user_id))

    @route("POST", "/v1/me/password", body=schemas.ChangePassword, response=schemas.TokenResponse,
           summary="修改本人密码（此前签发的令牌失效，返回新令牌）", tag="users")
    def change_password(self, request, body):
        user = self.users.get(self.ctx.actor.user_id)
        return self._token_for(self.users.change_password(user, body["current_password"], body["new_password"]))

    # -- cases ---------------------------------------------------------------
    def _handler_account(self, user_id):
        """The active account ``user_id`` names, as the cases service's handler rules need it."""
        user = self.users.find_active(user_id) if user_id is not None else None
        if user_id is not None and user is None:
            raise ValidationFailed("请求参数有误", fields={"handler_id": ["用户不存在或已停用"]})
        return user and {"user_id": user["_id"], "roles": user["roles"], "department": user["department"]}

    @route("POST", "/v1/cases", body=cases_v1.RegisterCase, response=cases_v1.Case, status=201,
           summary="登记案件", tag="cases")
    def register_case(self, request, body):
        return self.cases.register_case(body, handler=self._handler_account(body["handler_id"]))

    @route("GET", "/v1/cases", query=cases_v1.CaseQuery, response=cases_v1.CasePage,
           summary="案件列表（游标分页，q 匹配案号或案件名称）", tag="cases")
    def list_cases(self, request, query):
        return self.cases.list_cases(query)

    @route("GET", "/v1/cases/<case_id>", response=cases_v1.Case, summary="案件详情", tag="cases")
    def get_case(self, request, case_id):
        return self.cases.get_case(case_id)

    @route("POST", "/v1/cases/<case_id>/assign", body=cases_v1.AssignCase, response=cases_v1.Case,
           summary="分配承办人", tag="cases")
    def assign_case(self, request, case_id, body):
        return self.cases.assign_case(case_id, body, handler=self._handler_account(body["handler_id"]))

    @route("POST", "/v1/cases/<case_id>/transition", body=cases_v1.TransitionCase, response=cases_v1.Case,
           summary="变更案件状态（已登记→审查中→已决定→已结案）", tag="cases")
    def transition_case(self, request, case_id, body):
        return self.cases.transition_case(case_id, body)

    # -- notifications --------------------------------------------------------
    @route("GET", "/v1/me/notifications", query=notifications_v1.NotificationQuery,
           response=notifications_v1.NotificationPage, summary="我的站内通知", tag="notifications")
    def my_notifications(self, request, query):
        return self.notifications.list_my_notifications(query)

    @route("POST", "/v1/me/notifications/<notification_id>/read", response=notifications_v1.Notification,
           summary="标记通知为已读", tag="notifications")
    def read_notification(self, request, notification_id):
        return self.notifications.mark_read(notification_id)

    # -- meta, health, docs ------------------------------------------------
    @route("GET", "/v1/meta/enums", response=schemas.Enums, summary="枚举代码及中文名称", tag="meta")
    def list_enums(self, request):
        return enums.ALL

    @route("GET", "/health", auth=False, response=schemas.Health, summary="健康检查（数据库与消息队列）",
           tag="meta", essential=True)
    def health(self, request):
        checks = {"database": _check(self.users.ping), "broker": _check(lambda: _ping_broker(self.config))}
        healthy = all(value == "ok" for value in checks.values())
        return (200 if healthy else 503), {"status": "ok" if healthy else "unavailable", "checks": checks}

    # -- documents and pages about the platform (not in the OpenAPI document; logic in gateway/docs.py)
    @route("GET", "/openapi.json", auth=False, summary="OpenAPI 文档", documented=False)
    def openapi(self, request):
        return openapi_document()

    @route("GET", "/docs", auth=False, summary="API 文档页面（Swagger UI）", documented=False)
    def api_docs(self, request):
        return docs.swagger_page()

    @route("GET", "/docs/assets/<bundle>/<name>", auth=False, summary="文档页面的静态文件", documented=False)
    def docs_asset(self, request, bundle, name):
        return docs.asset(bundle, name)

    @route("GET", "/asyncapi.json", auth=False, summary="AsyncAPI 事件目录", documented=False)
    def asyncapi(self, request):
        return docs.asyncapi_document()

    @route("GET", "/docs/events", auth=False, summary="事件目录页面", documented=False)
    def event_docs(self, request):
        return docs.events_page()


@lru_cache(maxsize=1)
def openapi_document():
    return build_spec(GatewayService)


def _check(probe):
    try:
        probe()
        return "ok"
    except Exception as exc:  # reported, not raised: health must answer even when things are down
        return f"unavailable: {type(exc).__name__}"


def _ping_broker(config):
    with Connection(config["AMQP_URI"], connect_timeout=2) as connection:
        connection.ensure_connection(max_retries=1)

