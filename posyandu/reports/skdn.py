"""SKDN and nutrition prevalence for a month, computed in the database.

SKDN (domain.md, Standar Pemantauan Pertumbuhan Balita): S children under five
registered, K of them with a KMS/Buku KIA, D weighed this month, N weighed this
month and last with a gain of at least the KBM, plus T, O, B, BGM and 2T; always
D = N + T + O + B. D′ = N + T (weighed last month and this month).

Each child counts once a month, with the month's latest weighing, and at the
posyandu the child belongs to now. Prevalence uses the month's latest
measurement; children whose values are flagged implausible are left out and
counted separately (WHO). The same SQL runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, select

from posyandu.growth.models import Measurement
from posyandu.registry.models import Child, Posyandu, Puskesmas

LEVELS = ("posyandu", "desa", "kecamatan", "kabupaten")
STUNTED, WASTED = ("pendek", "sangat_pendek"), ("gizi_kurang", "gizi_buruk")
UNDERWEIGHT, OVERWEIGHT = ("kurang", "sangat_kurang"), ("gizi_lebih", "obesitas")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        year, month = (int(p) for p in text.split("-"))
        if not 1 <= month <= 12 or year < 2000:
            raise ValueError(text)
        return cls(year, month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def under_five_born_after(self) -> date:
        """Children born after this date are under 60 months on the month's last day."""
        return date(self.year - 5, self.month, min(self.last.day, calendar.monthrange(self.year - 5, self.month)[1]))


def _latest_in_month(month: Month, weighed_only: bool) -> Any:
    conds = [Measurement.measured_on.between(month.first, month.last), Measurement.deleted_at.is_(None)]
    if weighed_only:
        conds.append(Measurement.weight_kg.is_not(None))
    rank = func.row_number().over(partition_by=Measurement.child_id,
                                  order_by=(Measurement.measured_on.desc(), Measurement.created_at.desc()))
    return select(Measurement, rank.label("rn")).where(*conds).subquery()


def _group_column(level: str) -> Any:
    return {"posyandu": Posyandu.id, "desa": Posyandu.desa_code, "kecamatan": Puskesmas.kecamatan_code,
            "kabupaten": Posyandu.kabupaten_code}[level]


def _children(month: Month, posyandu_filter: Any, level: str) -> Select:
    group = _group_column(level).label("area")
    return (select(group).select_from(Child).join(Posyandu, Posyandu.id == Child.posyandu_id)
            .join(Puskesmas, Puskesmas.id == Posyandu.puskesmas_id)
            .where(Child.deleted_at.is_(None), Child.merged_into.is_(None), Child.birth_date <= month.last,
                   Child.birth_date > month.under_five_born_after, posyandu_filter))


def _count_if(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def skdn(session: Any, month: Month, posyandu_filter: Any, level: str = "posyandu") -> list[dict[str, Any]]:
    """One row per area at ``level``: S, K, D, N, T, O, B, BGM, 2T and the ratios."""
    last = _latest_in_month(month, weighed_only=True)
    stmt = _children(month, posyandu_filter, level).outerjoin(last, and_(last.c.child_id == Child.id, last.c.rn == 1))
    cols = [func.count(Child.id).label("S"), _count_if(Child.has_kms).label("K"), func.count(last.c.id).label("D")]
    cols += [_count_if(last.c.trend == t).label(t) for t in ("N", "T", "O", "B")]
    cols += [_count_if(last.c.bgm).label("BGM"), _count_if(last.c.two_t).label("2T")]
    rows = session.execute(stmt.add_columns(*cols).group_by(stmt.selected_columns.area)
                           .order_by(stmt.selected_columns.area)).mappings().all()
    return [_with_ratios(dict(r)) for r in rows]


def _pct(a: int, b: int) -> float | None:
    return round(100.0 * a / b, 1) if b else None


def _with_ratios(r: dict[str, Any]) -> dict[str, Any]:
    r["area"] = str(r["area"])
    r["D_prime"] = r["N"] + r["T"]
    r.update({"K_S": _pct(r["K"], r["S"]), "D_S": _pct(r["D"], r["S"]), "D_K": _pct(r["D"], r["K"]),
              "N_D": _pct(r["N"], r["D"]), "N_D_prime": _pct(r["N"], r["D_prime"]), "N_S": _pct(r["N"], r["S"])})
    return r


def prevalence(session: Any, month: Month, posyandu_filter: Any, level: str = "posyandu") -> list[dict[str, Any]]:
    """Stunting, wasting, underweight and overweight among children measured this month.

    Denominators are the children with a usable (non-flagged) index; wasting
    also counts oedema. ``flagged`` counts children left out for implausible values.
    """
    last = _latest_in_month(month, weighed_only=False)
    stmt = _children(month, posyandu_filter, level).join(last, and_(last.c.child_id == Child.id, last.c.rn == 1))
    cols = [func.count(last.c.id).label("measured"), _count_if(last.c.flagged).label("flagged"),
            _count_if(last.c.tb_u.is_not(None)).label("tb_u_n"), _count_if(last.c.tb_u.in_(STUNTED)).label("stunted"),
            _count_if(last.c.bb_tb.is_not(None) | last.c.oedema).label("bb_tb_n"),
            _count_if(last.c.bb_tb.in_(WASTED) | last.c.oedema).label("wasted"),
            _count_if(last.c.bb_u.is_not(None)).label("bb_u_n"), _count_if(last.c.bb_u.in_(UNDERWEIGHT)).label("underweight"),
            _count_if(last.c.bb_tb.in_(OVERWEIGHT)).label("overweight")]
    rows = session.execute(stmt.add_columns(*cols).group_by(stmt.selected_columns.area)
                           .order_by(stmt.selected_columns.area)).mappings().all()
    out = []
    for r in rows:
        r = dict(r)
        r["area"] = str(r["area"])
        r.update(stunting_pct=_pct(r["stunted"], r["tb_u_n"]), wasting_pct=_pct(r["wasted"], r["bb_tb_n"]),
                 underweight_pct=_pct(r["underweight"], r["bb_u_n"]), overweight_pct=_pct(r["overweight"], r["bb_tb_n"]))
        out.append(r)
    return out
