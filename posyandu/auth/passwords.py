"""Password hashing with Argon2id (RFC 9106 parameters unless testing), of the password in Unicode
NFKC (NIST SP 800-63B §5.1.1.2): one keyboard types "é" as one character, another as "e" and a
combining accent, a third full-width letters; each is the same password."""
from __future__ import annotations

import enum
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from posyandu.messages import Msg

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def configure(fast: bool) -> None:
    """Tests use cheap parameters; production keeps argon2-cffi's defaults."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else PasswordHasher()
    _dummy_hash = None


def normalised(password: str) -> str:
    """The password as it is hashed and judged (length, strength): in Unicode NFKC."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return _hasher.hash(normalised(password))


class Verified(enum.IntEnum):
    """``verify_password``'s answer; false when wrong."""
    WRONG = 0
    RIGHT = 1
    RIGHT_AS_TYPED = 2
    """Right against a hash made before passwords were normalised, of the password as typed (not
    NFKC): hash it again (``hash_password``), so her other keyboards' spellings work too."""


def _matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(stored_hash: str | None, password: str) -> Verified:
    """Whether ``password`` is the one of ``stored_hash``: its NFKC form, or, for a hash made before
    passwords were normalised, the password as typed (``RIGHT_AS_TYPED``). Constant work whether or
    not the user exists (no username probing by timing)."""
    global _dummy_hash
    if stored_hash is None:
        _dummy_hash = _dummy_hash or _hasher.hash("no-such-user")
        stored_hash = _dummy_hash
        password = password + "\x00"
    if _matches(stored_hash, normalised(password)):
        return Verified.RIGHT
    if password != normalised(password) and _matches(stored_hash, password):
        return Verified.RIGHT_AS_TYPED
    return Verified.WRONG


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


# The most used passwords of 8 characters or more (lists of leaked passwords, with the Indonesian
# ones among them), compared lower-case: a guesser tries these first, within any rate limit.
COMMON_PASSWORDS = frozenset("""
12345678 123456789 1234567890 0123456789 12341234 11223344 87654321 00000000 11111111 88888888
password password1 password12 password123 passw0rd qwertyuiop qwerty123 qwertyui 1qaz2wsx
iloveyou abcd1234 abc12345 asdfghjk asdf1234 1q2w3e4r 1q2w3e4r5t zaq12wsx sunshine princess
football baseball superman starwars whatever trustno1 letmein1 welcome1 admin123 administrator
bismillah indonesia sayangku sayang123 rahasia123 katasandi katasandi123 jakarta1 cintaku
""".split())
WEAK_PASSWORD = Msg("too easy to guess: not your username, one repeated character or a common password",
                    "terlalu mudah ditebak: jangan nama pengguna, satu karakter berulang, atau kata sandi umum")


def weak_password(password: str, username: str) -> Msg | None:
    """Why ``password`` is refused for ``username``, or None. NIST SP 800-63B §5.1.1.2: refuse
    passwords from lists of common ones and context-specific ones (the username); no rules of
    composition (a long passphrase is good). Judged in NFKC, as hashed."""
    folded = normalised(password).strip().lower()
    if len(set(folded)) <= 1 or folded in COMMON_PASSWORDS or folded == username.strip().lower():
        return WEAK_PASSWORD
    return None
