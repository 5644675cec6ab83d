"""Logging in and out, users and one's own account: the accounts service behind HTTP."""
from contracts.rpc import accounts_v1
from gateway import schemas
from gateway.accounts import forget_account, session_ended
from gateway.auth import Tokens
from gateway.http import LOGIN, route
from kit.rpc_client import BoundedRpcProxy
from gateway.sessions import EndedSessionListener
from kit.errors import Unauthorized, ValidationFailed


def login_workers(config):
    """Workers logins may hold at once: those hashing plus those waiting to (the accounts service's
    hashing gate), so a flood of logins leaves the other routes their workers."""
    return int(config.get("LOGIN_HASH_CONCURRENCY", 1)) + int(config.get("LOGIN_HASH_QUEUE", 4))


def login_workers_per_address(config):
    """Login workers one client address may hold at once (LOGIN_IN_FLIGHT_PER_ADDRESS, default 2)."""
    return max(int(config.get("LOGIN_IN_FLIGHT_PER_ADDRESS", 2)), 1)


class AccountRoutes:
    tokens = Tokens()
    accounts = BoundedRpcProxy("accounts")
    ended_sessions = EndedSessionListener()  # logouts through the other gateway processes

    def _token_for(self, account):
        return {"access_token": self.tokens.issue(account), "token_type": "bearer",
                "expires_in": self.tokens.ttl_seconds}

    @route("POST", "/v1/auth/token", auth=False, body=schemas.TokenRequest, response=schemas.TokenResponse,
           summary="登录，获取访问令牌（失败过多时 429，见 Retry-After）", tag="auth", errors=(401, 429),
           max_in_flight=login_workers, max_in_flight_per_address=login_workers_per_address)
    def issue_token(self, request, body):
        request.environ[LOGIN] = {"outcome": "throttled"}  # unless the attempt gets further
        result = self.accounts.authenticate(body={**body, "address": request.remote_addr})
        account = result["account"]
        request.environ[LOGIN] = {"outcome": "succeeded" if account else "failed", "user_id": result["account_id"]}
        if account is None:
            raise Unauthorized("用户名或密码错误")
        return self._token_for(account)

    @route("POST", "/v1/auth/logout", response=schemas.LogoutResponse,
           summary="退出登录（本令牌立即失效；其他令牌不受影响）", tag="auth")
    def logout(self, request):
        verified = self.tokens.verify(request.headers.get("Authorization"))
        if verified.session_id is None:
            raise ValidationFailed("该令牌签发于旧版本，无法单独退出；请修改密码使全部令牌失效",
                                   fields={"Authorization": ["令牌不含会话编号"]})
        self.accounts.end_session(body={"session_id": verified.session_id, "expires_at": verified.expires_at})
        session_ended(verified.session_id, verified.expires_at)  # this process refuses it before we answer
        return {"logged_out": True}

    @route("POST", "/v1/users", roles=("admin",), body=accounts_v1.CreateUser, response=accounts_v1.User,
           status=201, summary="创建用户", tag="users")
    def create_user(self, request, body):
        return self.accounts.create_user(body=body)

    @route("GET", "/v1/users", query=accounts_v1.UserQuery, response=accounts_v1.UserPage,
           summary="用户列表（非跨部门角色只见本部门）", tag="users")
    def list_users(self, request, query):
        return self.accounts.list_users(query=query)

    @route("GET", "/v1/users/<user_id>", response=accounts_v1.User, summary="用户详情（非跨部门角色只见本部门）",
           tag="users")
    def get_user(self, request, user_id):
        return self.accounts.get_user(user_id=user_id)

    @route("PATCH", "/v1/users/<user_id>", roles=("admin",), body=accounts_v1.UpdateUser, response=accounts_v1.User,
           summary="修改用户（姓名、部门、角色、邮箱；active=false 停用，其令牌随即失效）", tag="users", errors=(409,))
    def update_user(self, request, user_id, body):
        user = self.accounts.update_user(user_id=user_id, body=body)
        forget_account(user_id)  # this process knows at once; other replicas within ACCOUNT_CACHE_SECONDS
        return user

    @route("POST", "/v1/users/<user_id>/unlock", roles=("admin",), response=accounts_v1.User,
           summary="解除账户的登录锁定（清除其失败登录计数）", tag="users")
    def unlock_user(self, request, user_id):
        return self.accounts.unlock_user(user_id=user_id)

    @route("GET", "/v1/me", response=accounts_v1.User, summary="当前用户", tag="users")
    def me(self, request):
        return self.accounts.get_user(user_id=self.ctx.actor.user_id)

    @route("POST", "/v1/me/password", body=accounts_v1.ChangePassword, response=schemas.TokenResponse,
           summary="修改本人密码（此前签发的令牌失效，返回新令牌）", tag="users")
    def change_password(self, request, body):
        account = self.accounts.change_password(body=body)
        forget_account(account["id"])
        return self._token_for(account)

    # -- the working-day calendar (工作日历): the accounts service owns it ------------------------------
    @route("PUT", "/v1/calendar/<year>", roles=("admin",), body=accounts_v1.LoadCalendar,
           response=accounts_v1.CalendarSchedule, tag="calendar",
           summary="录入某年的放假安排和调休上班日（国务院公布后；优先于工作日库；相同安排重复录入不变）")
    def load_calendar(self, request, year, body):
        return self.accounts.load_calendar(year=year, body=body)

    @route("GET", "/v1/calendar/<year>", response=accounts_v1.CalendarSchedule, tag="calendar",
           summary="某年生效的工作日历及其来源（录入、工作日库或无：无安排时期限按仅周末休息暂定）")
    def get_calendar(self, request, year):
        return self.accounts.get_calendar(year=year)
