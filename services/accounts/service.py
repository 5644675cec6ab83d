"""Entrypoints of the accounts service. Each: check policy, apply a domain rule, store."""
from datetime import time

from nameko.dependency_providers import Config

from contracts.rpc import accounts_v1 as contract
from kit.context import RequestContext
from kit.entrypoints import HealthCheck, command, query
from kit.errors import TooManyRequests, ValidationFailed
from kit import clock
from kit.jobs import Every, Jobs, periodic
from services.accounts import calendar as calendar_rules
from services.accounts import domain, passwords, policy
from services.accounts.storage import INDEXES, AccountStorage, AccountStore


class AccountsService(HealthCheck):
    name = "accounts"

    ctx = RequestContext()
    config = Config()
    store = AccountStorage(AccountStore, INDEXES)
    jobs = Jobs()
    follows_calendar = True  # the owner: its health says when a year's schedule is missing

    # -- logging in (before there is an actor) ---------------------------------------------
    @command(body=contract.Credentials, response=contract.LoginResult, public=True)
    def authenticate(self, body):
        """Throttled per account and per client address, with growing pauses (domain.LoginPolicy): an
        attempt during a pause is refused (429) before the password is checked and is not counted, so
        waiting out Retry-After always works; the account's pause does not apply to an address that
        has not been failing. Unknown usernames are counted like known ones: nothing tells them apart.
        A failure that starts a pause publishes ``account.login_throttled`` (the owner and the admins
        are told), in the transaction that counts it."""
        policy_ = domain.LoginPolicy.from_config(self.config)
        username_key = domain.normalize_username(body["username"])[1]
        account_key, address_key = domain.account_key(username_key), domain.address_key(body["address"])
        now = clock.now()
        failures = self.store.failures_of([account_key, address_key])
        wait, failing_address = policy_.before_attempt(failures[account_key], failures[address_key], now)
        if wait:
            raise TooManyRequests("登录失败次数过多，请稍后再试", retry_after=wait)
        user = self.store.find_by_username(body["username"])
        ok = passwords.verify_password(user["password_hash"] if user else None, body["password"],
                                       suspect=failing_address)
        if ok and user["active"]:
            self.store.clear_failures(account_key)  # a successful login clears the account's count
            return {"account": user, "account_id": user["_id"]}
        throttles = policy_.throttles_after_failure(failures[account_key], failures[address_key], now)
        events = domain.throttle_events(throttles, user, username_key, body["address"], now)
        self.store.record_failure([(account_key, policy_.per_account), (address_key, policy_.per_address)], now,
                                  events, aggregate_id=user["_id"] if user else address_key)
        return {"account": None, "account_id": user["_id"] if user else None,
                "throttled": [kind for kind, _ in throttles]}

    @query(response=contract.Account, public=True)
    def get_account(self, user_id, session_id=None):
        """The account a token is checked against (None if there is none), and whether the token's
        session was ended by a logout: the gateway asks at most every ACCOUNT_CACHE_SECONDS per
        session, and always for admin-only routes."""
        account = self.store.find(user_id)
        if account is not None and session_id:
            account["session_ended"] = self.store.session_ended(session_id)
        return account

    @command(body=contract.EndSession, response=contract.Account)
    def end_session(self, actor, body):
        """A logout: the session is ended for good, and ``session.ended`` tells every gateway now.
        Only the session's own user ends it (the gateway passes the token's own session)."""
        self.store.end_session(body["session_id"], actor.user_id, body["expires_at"],
                               domain.session_ended_events(actor.user_id, body))
        self.store.purge_ended_sessions(int(clock.now().timestamp()))
        account = self.store.users.get(actor.user_id)
        return {**account, "session_ended": True}

    # -- users -----------------------------------------------------------------------------
    @command(body=contract.CreateUser, response=contract.User)
    def create_user(self, actor, body):
        policy.ensure_admin(actor)
        problems = domain.password_problems(body["password"], body["username"])
        if problems:
            raise ValidationFailed("密码不符合要求", fields={"password": problems})
        user = domain.new_user(body, passwords.hash_password(body["password"]), actor.user_id, clock.now())
        return self.store.users.insert(user, domain.creation_events(user))

    @command(body=contract.UpdateUser, response=contract.User)
    def update_user(self, actor, user_id, body):
        policy.ensure_admin(actor)
        policy.ensure_not_own_access(actor, user_id, body)
        return self.store.users.change(user_id, lambda user: domain.update(user, body, actor.user_id))

    @command(response=contract.User)
    def unlock_user(self, actor, user_id):
        """Forget the account's failed logins (an admin's unlock); its address counts stay."""
        policy.ensure_admin(actor)
        user = self.store.users.get(user_id)
        self.store.clear_failures(domain.account_key(user["username_key"]))
        return user

    @command(body=contract.ChangePassword, response=contract.Account)
    def change_password(self, actor, body):
        """Returns the account with its new token version, for the caller's new token."""
        user = self.store.users.get(actor.user_id)
        problems = domain.password_problems(body["new_password"], user["username"])
        if problems:
            raise ValidationFailed("新密码不符合要求", fields={"new_password": problems})
        if not passwords.verify_password(user["password_hash"], body["current_password"]):
            raise ValidationFailed("当前密码不正确", fields={"current_password": ["当前密码不正确"]})
        new_hash = passwords.hash_password(body["new_password"])
        return self.store.users.change(user["_id"], lambda current: domain.password_change(current, new_hash, clock.now()))

    @query(response=contract.User)
    def get_user(self, actor, user_id):
        user = self.store.users.get(user_id)
        policy.ensure_can_view(actor, user)
        return user

    @query(query=contract.UserQuery, response=contract.UserPage)
    def list_users(self, actor, query):
        department = actor.scoped_department(query["department"])
        items, next_cursor = self.store.search(department=department, limit=query["limit"], cursor=query["cursor"])
        return {"items": items, "next_cursor": next_cursor}

    @query(response=contract.Account)
    def find_active(self, actor, user_id):
        """An active account by id, or None: e.g. the gateway resolving a case's handler."""
        user = self.store.find(user_id)
        return user if user is not None and user["active"] else None

    # -- the working-day calendar (工作日历) ---------------------------------------------------------
    @command(body=contract.LoadCalendar, response=contract.CalendarSchedule)
    def load_calendar(self, actor, year, body):
        """An admin loads (or corrects) a year's schedule; it takes precedence over the library, and
        ``calendar.schedule_loaded`` carries it to every service that computes working days."""
        policy.ensure_admin(actor)
        year = calendar_rules.year_of(year)
        doc = self.store.load_calendar(year, lambda kept: calendar_rules.load(year, body, kept, actor.user_id,
                                                                                  clock.now()))
        return calendar_rules.effective(year, doc)

    @query(response=contract.CalendarSchedule)
    def get_calendar(self, actor, year):
        year = calendar_rules.year_of(year)
        return calendar_rules.effective(year, self.store.calendar_schedule(year))

    @periodic("accounts.calendar.missing", Every.day(at=time(9, 0)))
    def remind_missing_calendar(self, run):
        """From 1 November, while next year's (or this year's) schedule is missing: the admins are
        reminded (calendar.schedule_missing), at most weekly."""
        today = clock.today()
        events = calendar_rules.missing_events(self.store.working_calendar(), today)
        return {"reminded": self.store.warn_missing_calendar(events, today)}
