"""Spreadsheet columns of each report: key, Indonesian header, kind (for CSV and XLSX exports).

Kinds: ``text``, ``int``, ``pct`` (a percentage with one decimal), ``date``,
``list`` (joined with "; "), ``sex`` (M/F → L/P), ``age`` (age group label), ``exit`` (why a child
left the register: meninggal, pindah) and ``phone`` (grouped as Indonesians write one: 0812-3456-7890).
"""
from __future__ import annotations

import re
from typing import NamedTuple

_PHONE = re.compile(r"(\+62|62|0)(8\d{2})(\d{1,4})(\d*)", re.ASCII)  # as validators.PHONE_RE stores them


class Column(NamedTuple):
    key: str
    header: str
    kind: str = "int"
    width: int | None = None  # characters in XLSX, when its kind's does not fit (a UUID, a month)
    # names the row: an XLSX keeps it, and every column before it, in view when scrolled sideways
    pinned: bool = False


# The code's column shows a region's code whole (35.25.01.2001), a posyandu's id in part (its name is beside
# it; the cell holds it whole): at 38 it took a third of what the frozen columns leave a laptop's screen
AREA = [Column("month", "Bulan", "text", 9), Column("area", "Kode/ID wilayah", "text", 14),
        Column("area_name", "Nama wilayah", "text", pinned=True)]
BREAKDOWN = [Column("sex", "Jenis kelamin", "sex", 8, pinned=True),
             Column("age_group", "Kelompok umur (bulan)", "age", 11, pinned=True)]

# last in SKDN and F1, after the columns a health office's sheet may read by position: why D/K can pass 100 %
NO_KMS = Column("D_no_kms", "Ditimbang tanpa KMS tercatat (D/K bisa > 100%)")

SKDN = AREA + [
    Column("S", "S (balita terdaftar)"), Column("K", "K (punya KMS/Buku KIA)"), Column("D", "D (ditimbang)"),
    Column("N", "N (naik)"), Column("T", "T (tidak naik)"), Column("O", "O (tidak ditimbang bulan lalu)"),
    Column("B", "B (baru)"), Column("BGM", "BGM (bawah garis merah)"), Column("2T", "2T (dua kali tidak naik)"),
    Column("D_prime", "D' (ditimbang bulan lalu dan bulan ini)"),
    Column("K_S", "K/S (%)", "pct"), Column("D_S", "D/S (%)", "pct"), Column("D_K", "D/K (%)", "pct"),
    Column("N_D", "N/D (%)", "pct"), Column("N_D_prime", "N/D' (%)", "pct"), Column("N_S", "N/S (%)", "pct"),
    NO_KMS,
]

F1 = AREA + BREAKDOWN + [
    Column("S", "S"), Column("K", "K"), Column("D", "D"), Column("N", "N"), Column("T", "T"), Column("O", "O"),
    Column("B", "B"), Column("BGM", "BGM"), Column("2T", "2T"),
    Column("bb_u_sangat_kurang", "BB sangat kurang (BB/U)"), Column("bb_u_kurang", "BB kurang (BB/U)"),
    Column("S36", "S36 (mencapai 36 bulan)"), Column("vitamin_a_blue", "Vitamin A biru"),
    Column("vitamin_a_red", "Vitamin A merah"), NO_KMS,
]

PREVALENCE = AREA + BREAKDOWN + [
    Column("measured", "Diukur"), Column("flagged", "Ada nilai tidak wajar (anak)"),
    Column("tb_u_n", "Penyebut TB/U"), Column("stunted", "Stunting (pendek + sangat pendek)"),
    Column("severely_stunted", "Sangat pendek"), Column("flagged_tb_u", "TB/U tidak wajar"),
    Column("stunting_pct", "Prevalensi stunting (%)", "pct"),
    Column("bb_tb_n", "Penyebut BB/TB"), Column("wasted", "Gizi kurang + gizi buruk"),
    Column("severely_wasted", "Gizi buruk"), Column("flagged_bb_tb", "BB/TB tidak wajar"),
    Column("wasting_pct", "Prevalensi gizi kurang/buruk (%)", "pct"),
    Column("overweight", "Gizi lebih + obesitas"), Column("overweight_pct", "Prevalensi gizi lebih (%)", "pct"),
    Column("bb_u_n", "Penyebut BB/U"), Column("underweight", "BB kurang + BB sangat kurang"),
    Column("severely_underweight", "BB sangat kurang"), Column("flagged_bb_u", "BB/U tidak wajar"),
    Column("underweight_pct", "Prevalensi berat badan kurang (%)", "pct"),
]

COVERAGE = [Column("period", "Periode", "text", 16)] + AREA[1:] + [
    Column("indicator", "Indikator", "text"), Column("target", "Sasaran"), Column("covered", "Cakupan (anak)"),
    Column("coverage_pct", "Cakupan (%)", "pct"), Column("given_in_period", "Dosis diberikan dalam periode"),
]

ACTIONS = [
    Column("posyandu_name", "Posyandu", "text"), Column("name", "Nama anak", "text", pinned=True),
    Column("sex", "Jenis kelamin", "sex"), Column("birth_date", "Tanggal lahir", "date"),
    Column("age_months", "Umur (bulan)"), Column("mother_name", "Nama ibu", "text"),
    Column("guardian_phone", "No. HP", "phone"), Column("reasons", "Alasan", "list"),
    # beside her reasons: a child who left in the month (listed, as its SKDN counts her) is not to be called
    Column("exit_reason", "Keluar", "exit"), Column("exit_date", "Tanggal keluar", "date"),
    # the weighing T, 2T and BGM are read from: the month's or, for a child absent in it, the month before's
    # (so the list's T can exceed the SKDN's): the header says so
    Column("weighed_on", "Tanggal timbang (bulan ini atau bulan lalu)", "date"),
    Column("last_weighed_on", "Terakhir ditimbang", "date"),
    Column("overdue_immunisations", "Imunisasi terlambat", "list"), Column("child_id", "ID anak", "text", 38),
]

REPORTS = {
    "skdn": ("SKDN", SKDN), "f1": ("F1 Gizi", F1), "prevalence": ("Prevalensi gizi", PREVALENCE),
    "coverage": ("Cakupan imunisasi", COVERAGE), "actions": ("Daftar tindak lanjut", ACTIONS),
}
SEX_LABELS = {"M": "L", "F": "P", "all": "L+P"}
EXIT_LABELS = {"died": "meninggal", "moved_away": "pindah"}
REASON_LABELS = {"T": "T", "2T": "2T", "BGM": "BGM", "overweight_risk": "BB/U > +1 SD", "wasting": "gizi kurang/buruk", "muac_severe": "LiLA < 11,5 cm",
                 "stunting": "stunting",
                 "not_weighed_2_months": "tidak ditimbang 2 bulan", "overdue_immunisation": "imunisasi terlambat"}


def cell(column: Column, row: dict) -> object:
    """The value a spreadsheet cell shows: numbers stay numbers, None stays empty."""
    value = row.get(column.key)
    if value is None:
        return None
    if column.kind == "sex":
        return SEX_LABELS.get(value, value)
    if column.kind == "list":  # an empty one (no dose overdue) is an empty cell, as None
        return "; ".join(REASON_LABELS.get(v, v) for v in value) or None
    if column.kind == "age":
        return f"{value} bln"  # "6-11" alone turns into a date when a spreadsheet opens the CSV
    if column.kind == "exit":
        return EXIT_LABELS.get(value, value)
    if column.kind == "phone":
        return phone_text(str(value))
    if column.kind == "text":
        return str(value)
    return value


def phone_text(phone: str) -> str:
    """0812-3456-7890, +62 812-3456-7890: a phone as Indonesians write it, which no spreadsheet takes
    for a number (opening the CSV, 081234567890 became 81234567890, its 0 lost); anything else as is."""
    found = _PHONE.fullmatch(phone)
    if not found:
        return phone
    prefix, *groups = (g for g in found.groups() if g)
    number = "-".join(groups)
    return "0" + number if prefix == "0" else f"{prefix} {number}"
