"""/api/v1/auth and /api/v1/users."""
from __future__ import annotations

import uuid
from functools import wraps
from typing import Any, Callable

from flask import current_app, g, request
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt, jwt_required
from posyandu.access import roles_required
from posyandu.auth import operations as ops
from posyandu.auth.models import User
from posyandu.auth.schemas import (ChangePasswordSchema, CloseAccountSchema, LoginSchema,
                                   LogoutSchema, RedeemSchema, RefreshedTokensSchema, RegisterParentSchema, TokensSchema, UserPage,
                                   UserQueryArgs, UserSchema, UserUpdateSchema)
from posyandu.auth.tokens import revoke, well_formed
from posyandu.errors import NotFound, Unauthorized
from posyandu.extensions import Blueprint, checked_first, client_address, db, limiter
from posyandu.pagination import paginate

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Login, tokens and users")


PASSWORD_GUESSES = "password-guesses"
"""The scope of an account's one budget of wrong passwords (``LOGIN_RATE_LIMIT``): a failed login, a
wrong current password to change it, a wrong one to close the account all count in it. Each door with
its own budget gave a borrowed phone's token more guesses while the login was already locked (429)."""


def _account_key(username: Any) -> str:
    """An account's key in ``PASSWORD_GUESSES``: its username as the login reads it (stripped, lower case)."""
    return "login-user:" + (str(username).strip().lower()[:80] if username else "-")


def _login_username() -> str:
    body = request.get_json(silent=True)
    return _account_key(body.get("username") if isinstance(body, dict) else None)


def _caller_key(signed_in: Callable[[], str], address_prefix: str, *, refresh: bool = False) -> str:
    """A rate-limit key for the signed-in caller, ``signed_in()``; per address
    (``address_prefix:<address>``) if the token (a refresh token: ``refresh``) does not verify: the
    request is then refused anyway."""
    from flask_jwt_extended import verify_jwt_in_request

    try:
        verify_jwt_in_request(refresh=refresh)
        return signed_in()
    except Exception:  # noqa: BLE001 - refused by the view (401, 403); raised here, Flask-Limiter takes
        # any error of a key for its store unreachable, and falls back to counting in this process alone
        return f"{address_prefix}:{client_address()}"


def _per_user(prefix: str, *, refresh: bool = False) -> Callable[[], str]:
    """A rate-limit key per signed-in user (by id), of the refresh token presented if ``refresh``."""
    from flask_jwt_extended import get_jwt_identity

    return lambda: _caller_key(lambda: f"{prefix}-user:{get_jwt_identity()}", f"{prefix}-address", refresh=refresh)


def _signed_in_account() -> str:
    """The signed-in user's key in ``PASSWORD_GUESSES``."""
    return _caller_key(lambda: _account_key(current_user.username), "password-address")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed_attempts(limit: Callable[[], str], key_func: Callable[[], str],
                     failed: int | type[Exception] | Callable[[Exception], bool],
                     scope: str | None = None) -> list[Callable[..., Any]]:
    """A limit on failed attempts (a wrong password, a refused code: answered ``failed``, a status,
    the error raised or a test of it) that attempts sent together cannot exceed: each takes its place up front, one
    atomic increment in the limiter's storage, and one not answered ``failed`` gives it back.
    Flask-Limiter's ``deduct_when`` tests the limit before the request and counts it after the
    answer: ten guesses sent together all passed the test before any was counted. (Giving back is a
    hit of cost -1: the fixed-window strategy, Flask-Limiter's default, which the config keeps.)
    ``scope``: the limit is shared by every route given that scope (``PASSWORD_GUESSES``).

    With the store unreachable (Redis restarted), Flask-Limiter counts in this process's memory
    (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``), and ``limiter.limiter`` is the strategy counting
    there: a place taken there is given back there. A give-back the store refuses (lost during the
    request) is logged and the place stays taken: the answer is not turned into a 500.

    The key is read once a request (``once``): read again to give a place back, the token of a
    password just changed, or of an account just closed, named no account any more, and the right
    password's place stayed taken."""
    def once() -> str:
        keys = g.setdefault("failed_attempt_keys", {})
        if key_func not in keys:
            keys[key_func] = key_func()
        return keys[key_func]

    def give_back() -> None:
        key = once()
        for taken in limiter.current_limits:
            if key in taken.request_args:
                try:
                    limiter.limiter.hit(taken.limit, *taken.request_args, cost=-1)
                except Exception:  # noqa: BLE001 - the store went away during the request
                    current_app.logger.warning("rate limit store unreachable: a failed-attempt place is kept")

    def counts(exc: Exception) -> bool:
        if isinstance(failed, type):
            return isinstance(exc, failed)
        if callable(failed):
            return failed(exc)
        return failed in (getattr(exc, "status", None), getattr(exc, "code", None))

    def unless_failed(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def attempt(*args: Any, **kwargs: Any) -> Any:
            try:
                answer = view(*args, **kwargs)
            except Exception as exc:
                if not counts(exc):
                    give_back()
                raise
            give_back()
            return answer
        return attempt

    taken = (limiter.shared_limit(limit, scope, key_func=once) if scope
             else limiter.limit(limit, key_func=once))
    return [taken, unless_failed]


def _refused(exc: Exception) -> bool:
    """An attempt the server judged and refused (a 4xx): not one it could not judge (a 5xx: the database
    down, the room retrying its logins meanwhile), nor one another limit stopped first (429), nor a right
    code for a child she sees already (409)."""
    status = getattr(exc, "status", None) or getattr(exc, "code", None)
    return isinstance(status, int) and 400 <= status < 500 and status not in (409, 429)


# every refused attempt from one address, at the doors a password or an invitation code is tried at (as many
# as at one before): a code guesser at /auth/register and /auth/redeem had a budget at each besides the login's.
# One that works gives its place back: a puskesmas training room behind one address (its wifi, a carrier's
# NAT) logging 30 kaders in within a minute was answered 429, though none guessed anything
_per_address = _failed_attempts(lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], client_address,
                                _refused, "login-address")

# codes refused anywhere, whoever tries them: a guesser spread over many addresses (an IPv6 /48 holds
# 65,536 /64 budgets) meets this one; while it lasts, parents signing up wait (429, Retry-After)
_code_guesses = _failed_attempts(lambda: current_app.config["INVITATION_GUESS_RATE_LIMIT"],
                                 lambda: "invitation-codes", ops.CodeRefused,
                                 "invitation-codes")


@blp.route("/auth/login")
class Login(MethodView):
    decorators = [*_failed_attempts(_login_limit, _login_username, 401, PASSWORD_GUESSES), *_per_address]

    @blp.arguments(LoginSchema)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # problem+json, with Retry-After
    @blp.response(200, TokensSchema)
    @blp.doc(security=[])
    def post(self, body):
        """Log in with username and password.

        Rate-limited per username (failed attempts, counted with the wrong passwords given to
        `POST /auth/password` and `POST /auth/close-account`) and per address (refused attempts).
        """
        tokens = ops.login(body["username"], body["password"])
        db.session.commit()  # failed attempts are audited too
        if isinstance(tokens, str):
            raise Unauthorized(key=tokens)
        return tokens


@blp.route("/auth/refresh")
class Refresh(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["REFRESH_RATE_LIMIT"],
                                key_func=_per_user("refresh", refresh=True), scope="refresh")]

    @jwt_required(refresh=True)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # problem+json, with Retry-After
    @blp.response(200, RefreshedTokensSchema)
    def post(self):
        """Exchange a refresh token (in the Authorization header) for a new access token and the next refresh token.

        Keep the new `refresh_token` in place of the one sent (rotation). The one sent stays usable
        until the new one has been used once, so a phone whose answer was lost asks again with it
        (and is given the same new one). Presented again after its successor was used, it answers
        401 `token_revoked`, and so does every token of that login: someone else holds a copy;
        unless it was replaced less than a minute before and only one refresh came after it (two
        tabs' refreshes crossing: answered the newest). A
        refresh token expires `REFRESH_TOKEN_DAYS` after the login, whatever the rotations.
        Rate-limited per account (`REFRESH_RATE_LIMIT`, room for many phones refreshing every
        `ACCESS_TOKEN_MINUTES`): beyond it 429 with `Retry-After`, to be asked again then.
        """
        tokens = ops.refresh(current_user, get_jwt())
        db.session.commit()  # a chain revoked is kept, and audited
        if tokens is None:
            raise Unauthorized(key="token_revoked")
        return tokens


@blp.route("/auth/logout")
class Logout(MethodView):
    @jwt_required(verify_type=False)
    @blp.arguments(LogoutSchema, required=False)
    @blp.response(204)
    def post(self, body):
        """Revoke the presented token and, if given, the refresh token too, with every token of their logins."""
        if revoke(get_jwt(), current_user.id):  # else a logout of this token (sent twice) is committing
            ops.log_action("logout", "user", current_user.id)
        if body and body.get("refresh_token"):
            payload = _decode_own(body["refresh_token"])
            if payload is not None:
                revoke(payload, current_user.id)
        db.session.commit()


def _decode_own(token: str) -> dict | None:
    from flask_jwt_extended import decode_token
    from jwt import PyJWTError

    try:
        payload = decode_token(token, allow_expired=True)
    except PyJWTError:
        return None
    return payload if payload.get("sub") == str(current_user.id) and well_formed(payload) else None


@blp.route("/auth/password")
class ChangePassword(MethodView):
    # wrong current passwords: the account's one budget, the login's
    decorators = [*_failed_attempts(_login_limit, _signed_in_account, ops.WrongPassword, PASSWORD_GUESSES),
                  *_per_address]

    @jwt_required()
    @blp.arguments(ChangePasswordSchema)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # problem+json, with Retry-After
    @blp.response(200, TokensSchema)
    def post(self, body):
        """Change your own password (every role).

        Answers new tokens for this device; every token issued to you before (your other
        phones, a lost one) is refused from now on: they log in again, and keep their unsent
        data. A new password refused (422 on `new_password`: the current one again, too easy to
        guess) is refused before the current one is verified, right or wrong alike, and costs no
        guess. A wrong current password answers 422 on `current_password`, is audited, and counts
        with the account's failed logins (`LOGIN_RATE_LIMIT`, per account: once spent, the login,
        this and `POST /auth/close-account` answer 429); refused attempts count per address as logins do.
        """
        tokens = ops.change_password(current_user, body["current_password"], body["new_password"])
        db.session.commit()  # failed attempts are audited too
        if tokens is None:
            raise ops.WrongPassword("current_password")
        return tokens


@blp.route("/auth/close-account")
class CloseAccount(MethodView):
    # wrong passwords: the account's one budget, the login's
    decorators = [*_failed_attempts(_login_limit, _signed_in_account, ops.WrongPassword, PASSWORD_GUESSES),
                  *_per_address]

    @roles_required("parent")
    @blp.arguments(CloseAccountSchema)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # problem+json, with Retry-After
    @blp.response(204)
    def post(self, body):
        """Close your own account: a parent withdraws her consent (UU 27/2022 PDP).

        The account stops seeing her children (her phones drop them at their next sync), every
        token of it is refused, and her name, username and phone are erased (the audit log keeps
        what she did, without them). Her children's records stay with the posyandu. A wrong
        password answers 422 on `password` and counts with the account's failed logins, as a
        password change's (429 once spent). Staff accounts are switched off by an admin (403)."""
        closed = ops.close_own_account(current_user, body["password"])
        db.session.commit()  # failed attempts are audited too
        if not closed:
            raise ops.WrongPassword("password")


@blp.route("/auth/me")
class Me(MethodView):
    @jwt_required()
    @blp.response(200, UserSchema)
    def get(self):
        """The logged-in user."""
        return current_user


def _audit_refused_code(view: Callable[..., Any]) -> Callable[..., Any]:
    """A code refused (422 ``invitation_invalid``, or the validation problem naming it with the form's
    other errors) is audited, as a failed login is: someone trying codes is trying to see a child's record.
    Kept in a transaction of its own: the refusal rolls back the request's."""
    @wraps(view)
    def attempt(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ops.CodeRefused:
            db.session.rollback()
            ops.log_action("invitation_refused", "invitation", None)
            db.session.commit()
            raise
    return attempt


@blp.route("/auth/register")
class RegisterParent(MethodView):
    decorators = [_audit_refused_code,  # around the checks of the body: a code is judged there
                  *_code_guesses, *_per_address]

    @blp.arguments(RegisterParentSchema, field_checks=ops.registration_problems)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # problem+json, with Retry-After
    @blp.response(201, TokensSchema)
    @blp.doc(security=[])
    def post(self, body):
        """A parent registers with a one-time invitation code from the kader or bidan.

        A refusal (422) names every field's error at once; a code that does not work (one of the wrong
        length too, its message saying so) is refused as ``invitation_invalid``, or, with format errors
        in other fields, as their validation problem, its message on ``code``; either way nothing is said
        of the username or the password (whether a username exists is not told), and each such refusal is
        audited and counted among the refused codes. A code left blank is a field left
        blank ("wajib diisi"). Refused attempts count per address with the logins and redemptions
        (`LOGIN_ADDRESS_RATE_LIMIT`: 429 beyond it), and refused codes server-wide, with the redemptions'
        (`INVITATION_GUESS_RATE_LIMIT`: beyond it every code is answered 429 until the window passes)."""
        user = ops.register_parent(body)
        tokens = ops.issue_tokens(user)
        db.session.commit()
        return tokens


@blp.route("/auth/redeem")
class Redeem(MethodView):
    decorators = [
        _audit_refused_code,
        *_failed_attempts(lambda: current_app.config["REDEEM_RATE_LIMIT"], _per_user("redeem"), 422),
        *_code_guesses,
        *_per_address,
    ]

    @roles_required("parent")
    @blp.arguments(RedeemSchema)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # problem+json, with Retry-After
    @blp.response(200, TokensSchema)
    @blp.problem_response(409, "A code for a child the parent sees already: the code is left unused")
    def post(self, body):
        """A registered parent adds another child with a new invitation code. Answers tokens of her
        own login (a new access token, the login's newest refresh token): no new login is started.

        A code that does not work (one of the wrong length too) is refused as ``invitation_invalid``.
        A code for a child she sees already is refused (409, on ``code``) and left unused: it still
        works for the child's other parent. Refused codes are rate-limited per parent (429 beyond ``REDEEM_RATE_LIMIT``, even for a
        good code until the window passes), and refused attempts per address with the logins and registrations
        (`LOGIN_ADDRESS_RATE_LIMIT`), and refused codes server-wide (`INVITATION_GUESS_RATE_LIMIT`);
        each refusal is audited.
        """
        ops.redeem(body["code"], current_user)
        tokens = ops.tokens_of_login(current_user, get_jwt())
        db.session.commit()
        return tokens


@blp.route("/users")
class Users(MethodView):
    @roles_required("admin")
    @blp.arguments(UserQueryArgs, location="query")
    @blp.response(200, UserPage)
    def get(self, args):
        """List users (admin), by username: searched by name or username, filtered by role, area, active.
        A posyandu or puskesmas asked for that does not exist is 404."""
        page = paginate(ops.users_matching(args), [User.username], args["limit"], args["cursor"])
        ops.note_accounts_closed(page["items"])
        return page

    @roles_required("admin")
    @blp.arguments(UserSchema, field_checks=ops.account_problems)
    @blp.response(201, UserSchema)
    def post(self, body):
        """Create a user with a role and its scope (admin).

        The password is temporary (`must_change_password`): the user logs in with it and must set her
        own (`POST /auth/password`) before anything else. A refusal (422) names every field's error
        at once: a username taken, a password too easy to guess, the area the role needs missing are
        said with the format errors of the other fields."""
        user = ops.create_user(body, temporary=True)
        db.session.commit()
        return user


@blp.route("/users/<uuid:user_id>")
class UserById(MethodView):
    @roles_required("admin")
    @blp.response(200, UserSchema)
    def get(self, user_id: uuid.UUID):
        """One user (admin)."""
        return _user(user_id)

    @roles_required("admin")
    @checked_first(lambda user_id: ops.refuse_change_of_closed(_user(user_id), _fields_sent(UserUpdateSchema)))
    @blp.arguments(UserUpdateSchema(partial=True),
                   field_checks=lambda data, user_id: ops.account_problems(data, _user(user_id), current_user))
    @blp.response(200, UserSchema)
    @blp.problem_response(409, "An account its parent closed (any change), or the last active admin "
                               "switched off or given another role")
    def patch(self, body, user_id: uuid.UUID):
        """Change a user's details, scope, password, or deactivate them (admin).

        A new password, or switching the account off or on, ends the user's sessions: every
        token issued before is refused (a lost phone's too). A password set here is temporary
        (`must_change_password`): she logs in with it and must set her own first. Your own
        password is refused here (422 on `password`, nothing changed): change it with
        `POST /auth/password`, which asks for the current one and answers new tokens. An
        account its parent closed (`account_closed`) is not switched on again nor changed (409, whatever the body holds). A parent's account
        given another role no longer sees her children (each link removed, audited). A refusal (422)
        names every field's error at once, as `POST /users` does."""
        user = ops.update_user(_user(user_id), body, by=current_user)
        db.session.commit()
        return user


def _fields_sent(schema: type) -> list[str] | None:
    """The fields of ``schema`` the request's JSON object names, before the body is judged (its format
    errors or not): ``[]`` for an empty object (no change), ``None`` for a body that is no JSON object
    or names none of them (a change, whose fields cannot be told)."""
    body = request.get_json(silent=True)
    if body == {}:
        return []
    if not isinstance(body, dict):
        return None
    known = {field.data_key or name for name, field in schema().fields.items() if not field.dump_only}
    return [key for key in body if key in known] or None


def _user(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user
