from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from posyandu import validators as v
from posyandu.auth.models import ROLES
from posyandu.auth.passwords import PASSWORD_RULE, normalised
from posyandu.i18n import Msg
from posyandu.pagination import PageArgs, page_schema
from posyandu.validators import Schema, Uuid

USERNAME = v.Pattern(r"^[a-zA-Z0-9_.\-@]{3,80}$",
                     Msg("3-80 letters, digits or _ . - @, no spaces", "3-80 huruf, angka, atau _ . - @, tanpa spasi"))
CODE_LENGTH = (6, 40)
"""The length of an invitation code as typed: 8 letters and digits, shown as ABCD-EFGH, typed with the
hyphen, a space or nothing between its halves; shorter or longer, it cannot be one."""
CLOSED_ACCOUNT_PREFIX = "dihapus-"
"""What a closed account's username becomes (``close_own_account``: ``dihapus-<its id>``). No one else
is given such a name: one taken beforehand (an account's id is shown to kader with the child's
parents) made that closing fail, 409 on a username she never sent, and she could not withdraw her consent."""


def _not_reserved(username: str) -> str:
    if username.lower().startswith(CLOSED_ACCOUNT_PREFIX):
        raise ValidationError(Msg(f"may not begin with {CLOSED_ACCOUNT_PREFIX} (kept for closed accounts)",
                                  f"tidak boleh diawali {CLOSED_ACCOUNT_PREFIX} (dipakai untuk akun yang ditutup)"))
    return username


class NewPassword(v.Filled):
    """A password being set: 8 to 200 characters counted in Unicode NFKC, as it is hashed and judged
    (``passwords.normalised``): "e" and a combining accent are one character, as "é" is. Left empty, it
    is missing (``Filled``); spaces are characters typed, kept as typed (eight are refused as too easy
    to guess, ``weak_password``, which says more than "wajib diisi"). The OpenAPI document says the
    rule (``PASSWORD_RULE``) after the field's own ``description``."""

    def __init__(self, description: str = "", **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(as_typed=True, required=True, load_only=True, validate=validate.Length(min=8, max=200),
                         metadata={"description": " ".join(filter(None, [description, PASSWORD_RULE]))}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        return normalised(super()._deserialize(value, attr, data, **kwargs))


def _password_to_check() -> fields.String:
    """A password to check against the account's: "" is missing (``REQUIRED``); any other text is
    checked as typed (``Filled(as_typed=True)``), wrong or right as any other would be."""
    return v.Filled(as_typed=True, required=True, load_only=True, validate=validate.Length(min=1, max=200))


class LoginSchema(Schema):
    username = v.Filled(required=True, validate=validate.Length(min=1, max=80))  # blank: "wajib diisi"
    password = _password_to_check()


def _closed(user) -> bool:
    """``posyandu.auth.operations.account_closed``: a query only for an account switched off, none for
    one of a page of users read at once (``note_accounts_closed``)."""
    from posyandu.auth.operations import account_closed

    return account_closed(user)


class UserSchema(Schema):
    id = Uuid(dump_only=True, required=True)  # required in answers only (readOnly)
    username = v.Filled(required=True, validate=[USERNAME, _not_reserved])
    password = NewPassword()
    name = v.Trimmed(required=True, validate=validate.Length(max=120))
    role = v.Filled(required=True, validate=validate.OneOf(ROLES))  # blank: "wajib diisi", not the choices
    phone = v.Phone(allow_none=True)
    posyandu_id = Uuid(allow_none=True)
    puskesmas_id = Uuid(allow_none=True)
    region_code = v.Trimmed(allow_none=True, validate=validate.Length(max=13), metadata={
        "description": "A dinkes account's region (Kemendagri code); blank is none"})
    active = v.YesNo(load_default=True)
    posyandu_closed = fields.Boolean(dump_only=True, metadata={
        "description": "True when the user's posyandu (a kader's) is closed: she can see and register "
                       "no child there until she is moved to an open posyandu or switched off."})
    account_closed = fields.Function(_closed, dump_only=True, metadata={
        "type": "boolean",
        "description": "True when its owner closed the account (a parent, `POST /auth/close-account`): it "
                       "cannot be switched on again (409), unlike one an admin switched off."})
    must_change_password = fields.Boolean(dump_only=True, metadata={
        "description": "True while the password is a temporary one someone else set (an admin creating the "
                       "account or resetting its password): every call but `POST /auth/password`, "
                       "`GET /auth/me`, `POST /auth/logout` and `POST /auth/refresh` answers 403 "
                       "`password_change_required` until the user sets her own there (which clears it)."})


class UserUpdateSchema(UserSchema):
    """PATCH body: any subset of a user's fields."""

    password = NewPassword("A new temporary password for another user (`must_change_password`); every token "
                           "issued to her before is refused. Your own is refused here (422 on `password`): "
                           "change it with `POST /auth/password`, which asks for the current one.")


class TokensSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    user = fields.Nested(UserSchema, required=True)


class ChangePasswordSchema(Schema):
    current_password = _password_to_check()
    new_password = NewPassword()


class CloseAccountSchema(Schema):
    password = _password_to_check()


class RefreshedTokensSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True, metadata={
        "description": "The next refresh token of this login: keep it in place of the one sent (rotation)."})


class LogoutSchema(Schema):
    refresh_token = fields.String(metadata={"description": "Also revoke this refresh token."})


def _invitation_code() -> v.Filled:
    """An invitation code: left blank, "wajib diisi" (``Filled``); of the wrong length, refused as a code
    that does not work (``invitation_invalid``, ``auth.operations._open_invitation``), its message saying
    what is wrong with it, not marshmallow's length rule: the parent's trouble is the code."""
    return v.Filled(required=True, metadata={
        "minLength": CODE_LENGTH[0], "maxLength": CODE_LENGTH[1],
        "description": "The one-time code from the kader or bidan (ABCD-EFGH; any case, with or without the "
                       "hyphen). One that does not work, or of the wrong length, is refused as "
                       "`invitation_invalid`, its message on `code` (with other fields' format errors too, "
                       "as their `validation` problem)"})


class RegisterParentSchema(Schema):
    code = _invitation_code()
    username = v.Filled(required=True, validate=[USERNAME, _not_reserved])
    password = NewPassword()
    name = v.Trimmed(required=True, validate=validate.Length(max=120))
    phone = v.Phone(allow_none=True)


class RedeemSchema(Schema):
    code = _invitation_code()


class UserQueryArgs(PageArgs):
    role = fields.String(validate=validate.OneOf(ROLES), metadata={"description": "Only accounts of this role"})
    q = v.Trimmed(validate=validate.Length(min=1, max=80), metadata={"description": "Part of the name or username"})
    posyandu_id = Uuid(metadata={"description": "Kader of this posyandu"})
    puskesmas_id = Uuid(metadata={"description": "Bidan of this puskesmas and kader of its posyandu"})
    active = fields.Boolean(metadata={"description": "Only accounts switched on (true) or off (false)"})


UserPage = page_schema(UserSchema, "UserPage")
