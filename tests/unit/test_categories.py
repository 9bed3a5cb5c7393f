"""Permenkes 2/2020 categories at and around every cut-off (domain.md)."""

import numpy as np
import pytest

from posyandu.growth.categories import STATUS_CATEGORIES, category, category_codes, status_codes


@pytest.mark.parametrize("key, z, name", [
    ("bb_u", -3.01, "sangat_kurang"), ("bb_u", -3.0, "kurang"), ("bb_u", -2.01, "kurang"),
    ("bb_u", -2.0, "normal"), ("bb_u", 1.0, "normal"), ("bb_u", 1.01, "risiko_lebih"),
    ("tb_u", -3.01, "sangat_pendek"), ("tb_u", -3.0, "pendek"), ("tb_u", -2.0, "normal"),
    ("tb_u", 3.0, "normal"), ("tb_u", 3.01, "tinggi"),
    ("bb_tb", -3.01, "gizi_buruk"), ("bb_tb", -3.0, "gizi_kurang"), ("bb_tb", -2.0, "gizi_baik"),
    ("bb_tb", 1.0, "gizi_baik"), ("bb_tb", 1.01, "berisiko_gizi_lebih"), ("bb_tb", 2.0, "berisiko_gizi_lebih"),
    ("bb_tb", 2.01, "gizi_lebih"), ("bb_tb", 3.0, "gizi_lebih"), ("bb_tb", 3.01, "obesitas"),
    ("imt_u", -3.5, "gizi_buruk"), ("imt_u", 0.0, "gizi_baik"), ("imt_u", 3.5, "obesitas"),
])
def test_permenkes_cut_offs(key, z, name):
    assert category(key, z) == name


def test_null_z_has_no_category():
    assert category("bb_u", None) is None
    assert category_codes("tb_u", np.array([np.nan]))[0] == -1


def test_flagged_z_gets_no_status_and_bb_tb_uses_whichever_of_wfl_wfh_exists():
    z = {"wfa": np.array([-6.5, 0.0]), "lhfa": np.array([0.0, 0.0]), "wfl": np.array([np.nan, -2.5]),
         "wfh": np.array([4.0, np.nan]), "bfa": np.array([0.0, 0.0])}
    flags = {"wfa": np.array([True, False]), "lhfa": np.array([False, False]), "wfl": np.array([False, False]),
             "wfh": np.array([False, False]), "bfa": np.array([False, False])}
    codes = status_codes(z, flags)
    assert codes["bb_u"].tolist() == [-1, 2]
    assert [STATUS_CATEGORIES["bb_tb"][c] for c in codes["bb_tb"]] == ["obesitas", "gizi_kurang"]
