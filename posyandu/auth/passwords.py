"""Password hashing with Argon2id (RFC 9106 parameters unless testing), of the password in Unicode
NFKC (NIST SP 800-63B §5.1.1.2): one keyboard types "é" as one character, another as "e" and a
combining accent, a third full-width letters; each is the same password."""
from __future__ import annotations

import enum
import re
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
# Words a guesser of these accounts tries first, in any case and with digits or signs around them
# (``_stems``): the app's and its users' (posyandu123 is the demo's published password, README.md;
# Kader1234, bidan2024!), the demo kabupaten's, and the common words of the list above.
COMMON_WORDS = frozenset("""
posyandu kader bidan puskesmas pustu polindes poskesdes balita bayi anak ibu ayah bunda orangtua ortu
dinkes kesehatan sehat gizi imunisasi vaksin timbang kms admin administrator petugas pengguna
desa gresik indonesia jakarta surabaya bismillah sayang cinta katasandi sandi password qwerty
welcome letmein iloveyou
""".split())
SUFFIXES = ("ku", "mu", "nya")  # "posyanduku": a word and a possessive, one word still
LEET = (str.maketrans("0134@5$7", "oieaasst"), str.maketrans("0134@5$7", "oleaasst"))
"""Digits and signs read as letters inside a word (p0syandu, ba1ita): 1 as i, then as l."""
RUNS = ("abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
"""Runs of the alphabet, the digits and the keyboard's rows, read either way (abcdefgh, 87654321, qwertyui)."""
WEAK_PASSWORD = Msg("too easy to guess: not your username, a common password or a word of posyandu work, even with "
                    "digits added (posyandu123, Kader2024), one repeated character, or a run of letters or keys "
                    "(abcdefgh, qwertyui)",
                    "terlalu mudah ditebak: jangan nama pengguna, kata sandi umum atau kata seputar posyandu "
                    "(posyandu, kader, bidan…), juga bila ditambah angka, satu karakter berulang, atau deretan "
                    "huruf atau tombol (abcdefgh, qwertyui)")
PASSWORD_RULE = ("8 to 200 characters, counted in Unicode NFKC. Refused as too easy to guess (422): the username, "
                 "a common password or a word of posyandu work (posyandu, kader, bidan, puskesmas, balita, dinkes, "
                 "orangtua, admin, sehat…) in any case and with digits or signs added (posyandu123, Kader1234), one "
                 "character repeated, a run of letters, digits or keys (abcdefgh, 12345678, qwertyui). A passphrase "
                 "of a few words is good.")
"""The rule as the OpenAPI document says it, on each field where a password is set."""


def _stem(text: str) -> str:
    """``text`` without the digits and signs before and after it: "Kader-1234!" is "kader"."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", text)


def _stems(text: str) -> set[str]:
    """The word ``text`` is made of, as a guesser builds it from one: its stem, read with its digits
    as letters (``LEET``), those inside it and those at its edge once the digits after it are off
    (4dmin2024, 0rangtua1: "admin", "orangtua"), and without an Indonesian possessive (``SUFFIXES``)."""
    stem, head = _stem(text), re.sub(r"[\W\d_]+$", "", text)
    stems = {stem, *(_stem(word.translate(table)) for word in (stem, head) for table in LEET)}
    return stems | {s[:-len(end)] for s in stems for end in SUFFIXES if s.endswith(end) and len(s) >= len(end) + 3}


def _run(text: str) -> bool:
    return len(text) >= 3 and any(text in run or text in run[::-1] for run in RUNS)


def weak_password(password: str, username: str) -> Msg | None:
    """Why ``password`` is refused for ``username``, or None. NIST SP 800-63B §5.1.1.2: refuse
    passwords from lists of common ones and context-specific ones (the username, the app's words),
    and repetitive or sequential characters; no rules of composition (a long passphrase is good).
    Judged in NFKC, as hashed, in any case, with the digits and signs around a word taken off
    (``_stems``). One rule wherever a password is set (``auth.operations``); the demo's published
    password is refused by it too, and set by ``posyandu.demo`` alone."""
    folded = normalised(password).strip().lower()
    name = username.strip().lower()
    stems = _stems(folded) - {""}
    # two characters at most (aaaaaaaa, abababab, a1111111); a stem of one character repeated, not one
    # letter before ten digits (x7294018563 is as strong as its digits)
    if len(set(folded)) <= 2 or folded in COMMON_PASSWORDS or folded == name or _run(folded):
        return WEAK_PASSWORD
    if any((len(stem) >= 3 and len(set(stem)) <= 1) or stem in COMMON_WORDS or _run(stem) for stem in stems):
        return WEAK_PASSWORD
    if _stem(name) and _stem(name) in stems:
        return WEAK_PASSWORD
    return None
