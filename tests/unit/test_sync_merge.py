"""The three-way field merge (sync-notes §1.3 table), worked by hand."""
from posyandu.sync.merge import three_way

BASE = {"name": "Siti", "address": "RT 1", "mother_name": "Rina", "nik": None}


def test_non_overlapping_changes_merge():
    current = {**BASE, "address": "RT 2"}                       # server changed address
    m = three_way(BASE, current, {"mother_name": "Rini"})        # client changed mother_name
    assert m.apply == {"mother_name": "Rini"} and m.conflicts == []


def test_fields_the_client_sent_unchanged_do_not_undo_server_changes():
    current = {**BASE, "address": "RT 2"}
    m = three_way(BASE, current, {**BASE, "nik": "3525010101240001"})
    assert m.apply == {"nik": "3525010101240001"} and m.conflicts == []


def test_both_sides_changing_a_field_differently_is_a_conflict_and_applies_nothing():
    current = {**BASE, "name": "Siti A.", "address": "RT 2"}
    m = three_way(BASE, current, {"name": "Siti Aminah", "mother_name": "Rini"})
    assert m.conflicts == ["name"] and m.apply == {}


def test_both_sides_choosing_the_same_value_is_not_a_conflict():
    current = {**BASE, "name": "Siti Aminah"}
    m = three_way(BASE, current, {"name": "Siti Aminah"})
    assert m.conflicts == [] and m.apply == {}


def test_clearing_a_field_is_a_change_and_a_field_unknown_to_the_base_counts_as_null():
    m = three_way(BASE, BASE, {"mother_name": None, "rt": "003"})
    assert m.apply == {"mother_name": None, "rt": "003"}
