"""default immunisation schedule (2024) and supplement.override_by

Revision ID: 5d1e0c2a7f42
Revises: c26f3036b08b
Create Date: 2026-11-24 10:00:00

Inserts the national 2024 routine schedule as the first ``schedule_version``
row when the table is empty, and adds ``supplement.override_by`` (who accepted
a vitamin A / deworming record the rules refuse, as ``immunisation`` has).

Why a snapshot embedded here rather than reading
``posyandu/immunisation/data/schedule-2024.json`` at migration time: a
migration is history. Run in 2027 on a fresh database it must insert the same
row it inserted in 2024, whatever the package's JSON has become by then (later
schedules are published as new versions through the API or ``flask
load-schedule``, never by editing this file). The snapshot is the 2024.1
document first bundled with the package plus two things the server needs:

* ``doses_per_vial`` for the presentations the programme uses (Bio Farma):
  HB0 Uniject 1, BCG 20, bOPV 20, DPT-HB-Hib (Pentabio) 5, MR 10. PCV, RV,
  IPV and JE stay null: their vial size depends on the supplier of the year,
  and the due list then says "unknown" rather than guessing. An admin sets
  them by publishing a new version;
* JE's ``areas``: the kabupaten/kota where JE is routine (all of Bali since
  2018: 51.01-51.08 and Kota Denpasar 51.71) instead of ``endemic_only``,
  which no configuration fills in, so "JE only where the schedule says" holds.

Hence version "2024.2". The bundled files (``posyandu/immunisation/data``, copied
to ``static/pwa/data`` by ``scripts/pwa_precache.py``) hold this same document, so a phone that has
not fetched the schedule yet computes what the server does (tests/unit/test_schedule.py checks
they stay equal). ``insert_default`` is also what the test fixtures call
after emptying the tables, so tests see exactly what a fresh database holds.
"""
import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "5d1e0c2a7f42"
down_revision = "c26f3036b08b"
branch_labels = None
depends_on = None

SCHEDULE_2024 = json.loads(r"""
{
 "version": "2024.2",
 "name": "Jadwal imunisasi rutin bayi dan baduta 2024 / National routine immunisation schedule for infants and under-twos 2024",
 "source": "Kemenkes RI Program Imunisasi: Permenkes 12/2017 Penyelenggaraan Imunisasi (Lampiran), KMK HK.01.07/MENKES/1139/2022 and SE Dirjen P2P IM.02.02/C/3052/2023 (rotavirus), ITAGI 84/ITAGI/Adm/VIII/2021 (IPV2), Kemenkes PCV programme; docs/domain.md 'Immunisation'; vial sizes (doses_per_vial): Bio Farma programme presentations - HB0 Uniject 1 dose, BCG 20-dose ampoule, bOPV 20-dose vial, DPT-HB-Hib (Pentabio) 5-dose vial, MR 10-dose vial; PCV, RV, IPV and JE left null because their presentation depends on the supplier of the year (set them through the API)",
 "valid_from": "2024-01-01",
 "age_arithmetic": "Ages and intervals are {months, days}: add calendar months to the date (the day of month is clamped to the month's last day, so 31 Jan + 1 month = 28/29 Feb), then add days. A child is 2 months old on the same day of the month two months after birth, as mothers and the Buku KIA count; days may be negative only to say 'the day before', e.g. {months: 12, days: -1} = the day before the first birthday.",
 "overdue_after": {"months": 1},
 "vaccines": [
  {"code": "HB0", "name": "Hepatitis B 0 (birth dose)", "doses_per_vial": 1},
  {"code": "BCG", "name": "BCG", "doses_per_vial": 20},
  {"code": "OPV", "name": "Polio tetes (bOPV)", "doses_per_vial": 20},
  {"code": "DPT-HB-Hib", "name": "DPT-HB-Hib (pentavalen)", "doses_per_vial": 5},
  {"code": "PCV", "name": "Pneumokokus konjugasi (PCV)", "doses_per_vial": null},
  {"code": "RV", "name": "Rotavirus", "doses_per_vial": null},
  {"code": "IPV", "name": "Polio suntik (IPV)", "doses_per_vial": null},
  {"code": "MR", "name": "Campak-Rubela (MR)", "doses_per_vial": 10},
  {"code": "JE", "name": "Japanese Encephalitis", "doses_per_vial": null}
 ],
 "entries": [
  {"vaccine": "HB0", "dose": 1, "recommended_age": {"days": 0}, "min_age": {"days": 0}, "max_age": {"days": 7}, "min_interval": null, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017: HB0 within 24 hours of birth (recommended = day of birth); Kemenkes PWS reports count 'HB0 < 24 jam' and 'HB0 1-7 hari', so day 7 is the last allowed day"},
  {"vaccine": "BCG", "dose": 1, "recommended_age": {"months": 1}, "min_age": {"days": 0}, "max_age": {"months": 12, "days": -1}, "min_interval": null, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017: BCG at 0-1 month, may be given up to under 1 year without a tuberculin test (from 3 months IDAI advises a tuberculin test first); max = day before the first birthday"},
  {"vaccine": "OPV", "dose": 1, "recommended_age": {"months": 1}, "min_age": {"days": 0}, "max_age": null, "min_interval": null, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 Penyelenggaraan Imunisasi, Lampiran (jadwal imunisasi rutin); domain.md Immunisation; bOPV 1 may be given at birth/discharge"},
  {"vaccine": "OPV", "dose": 2, "recommended_age": {"months": 2}, "min_age": {"days": 42}, "max_age": null, "min_interval": {"days": 28}, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 Penyelenggaraan Imunisasi, Lampiran (jadwal imunisasi rutin); domain.md Immunisation; WHO Summary of routine immunization recommendations (minimum age 6 weeks, 4 weeks between primary doses)"},
  {"vaccine": "OPV", "dose": 3, "recommended_age": {"months": 3}, "min_age": {"days": 70}, "max_age": null, "min_interval": {"days": 28}, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 Penyelenggaraan Imunisasi, Lampiran (jadwal imunisasi rutin); domain.md Immunisation; WHO Summary of routine immunization recommendations (minimum age 6 weeks, 4 weeks between primary doses)"},
  {"vaccine": "OPV", "dose": 4, "recommended_age": {"months": 4}, "min_age": {"days": 98}, "max_age": null, "min_interval": {"days": 28}, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 Penyelenggaraan Imunisasi, Lampiran (jadwal imunisasi rutin); domain.md Immunisation; WHO Summary of routine immunization recommendations (minimum age 6 weeks, 4 weeks between primary doses)"},
  {"vaccine": "DPT-HB-Hib", "dose": 1, "recommended_age": {"months": 2}, "min_age": {"days": 42}, "max_age": {"months": 60, "days": -1}, "min_interval": null, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 Penyelenggaraan Imunisasi, Lampiran (jadwal imunisasi rutin); domain.md Immunisation; WHO Summary of routine immunization recommendations (minimum age 6 weeks, 4 weeks between primary doses); pentavalent catch-up to 59 months (Buku KIA imunisasi kejar)"},
  {"vaccine": "DPT-HB-Hib", "dose": 2, "recommended_age": {"months": 3}, "min_age": {"days": 70}, "max_age": {"months": 60, "days": -1}, "min_interval": {"days": 28}, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 Penyelenggaraan Imunisasi, Lampiran (jadwal imunisasi rutin); domain.md Immunisation; WHO Summary of routine immunization recommendations (minimum age 6 weeks, 4 weeks between primary doses)"},
  {"vaccine": "DPT-HB-Hib", "dose": 3, "recommended_age": {"months": 4}, "min_age": {"days": 98}, "max_age": {"months": 60, "days": -1}, "min_interval": {"days": 28}, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 Penyelenggaraan Imunisasi, Lampiran (jadwal imunisasi rutin); domain.md Immunisation; WHO Summary of routine immunization recommendations (minimum age 6 weeks, 4 weeks between primary doses)"},
  {"vaccine": "PCV", "dose": 1, "recommended_age": {"months": 2}, "min_age": {"days": 42}, "max_age": {"months": 60, "days": -1}, "min_interval": null, "counts_toward": null, "areas": null, "endemic_only": false, "source": "Kemenkes PCV programme 2, 3, 12 months (national since 2022-2023); not in the IDL indicator definition (HB0, BCG, OPV x4, DPT-HB-Hib x3, IPV, MR)"},
  {"vaccine": "PCV", "dose": 2, "recommended_age": {"months": 3}, "min_age": {"days": 70}, "max_age": {"months": 60, "days": -1}, "min_interval": {"days": 28}, "counts_toward": null, "areas": null, "endemic_only": false, "source": "Kemenkes PCV programme; 4 weeks between primary doses (domain.md)"},
  {"vaccine": "RV", "dose": 1, "recommended_age": {"months": 2}, "min_age": {"days": 42}, "max_age": {"months": 6, "days": 29}, "min_interval": null, "counts_toward": null, "areas": null, "endemic_only": false, "source": "Surat Edaran Dirjen P2P IM.02.02/C/3052/2023: RV at 2, 3, 4 months, at least 4 weeks apart, the last dose by 6 months 29 days; Rotavac label: from 6 weeks"},
  {"vaccine": "RV", "dose": 2, "recommended_age": {"months": 3}, "min_age": {"days": 70}, "max_age": {"months": 6, "days": 29}, "min_interval": {"days": 28}, "counts_toward": null, "areas": null, "endemic_only": false, "source": "Surat Edaran Dirjen P2P IM.02.02/C/3052/2023"},
  {"vaccine": "RV", "dose": 3, "recommended_age": {"months": 4}, "min_age": {"days": 98}, "max_age": {"months": 6, "days": 29}, "min_interval": {"days": 28}, "counts_toward": null, "areas": null, "endemic_only": false, "source": "Surat Edaran Dirjen P2P IM.02.02/C/3052/2023"},
  {"vaccine": "IPV", "dose": 1, "recommended_age": {"months": 4}, "min_age": {"days": 98}, "max_age": null, "min_interval": null, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 Penyelenggaraan Imunisasi, Lampiran (jadwal imunisasi rutin); domain.md Immunisation; WHO polio position paper: IPV from 14 weeks"},
  {"vaccine": "MR", "dose": 1, "recommended_age": {"months": 9}, "min_age": {"months": 9}, "max_age": null, "min_interval": null, "counts_toward": "idl", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 Penyelenggaraan Imunisasi, Lampiran (jadwal imunisasi rutin); domain.md Immunisation"},
  {"vaccine": "IPV", "dose": 2, "recommended_age": {"months": 9}, "min_age": {"months": 9}, "max_age": null, "min_interval": {"months": 4}, "counts_toward": null, "areas": null, "endemic_only": false, "source": "ITAGI 84/ITAGI/Adm/VIII/2021 and Kemenkes IPV2 introduction (national from 2023): at 9 months with MR, at least 4 months after IPV 1"},
  {"vaccine": "JE", "dose": 1, "recommended_age": {"months": 10}, "min_age": {"months": 9}, "max_age": null, "min_interval": null, "counts_toward": null, "areas": ["51.01", "51.02", "51.03", "51.04", "51.05", "51.06", "51.07", "51.08", "51.71"], "endemic_only": false, "source": "Kemenkes routine JE at 10 months in endemic kabupaten/kota only: all of Bali (51.01-51.08, 51.71) since 2018; vaccine from 9 months. Other kabupaten join by a new schedule version"},
  {"vaccine": "PCV", "dose": 3, "recommended_age": {"months": 12}, "min_age": {"months": 12}, "max_age": {"months": 60, "days": -1}, "min_interval": {"days": 56}, "counts_toward": null, "areas": null, "endemic_only": false, "source": "Kemenkes PCV programme: dose 3 at 12 months; IDAI 2020: booster from 12 months, at least 2 months (8 weeks) after the previous dose"},
  {"vaccine": "DPT-HB-Hib", "dose": 4, "recommended_age": {"months": 18}, "min_age": {"months": 18}, "max_age": {"months": 60, "days": -1}, "min_interval": {"months": 12}, "counts_toward": "baduta", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 imunisasi lanjutan baduta at 18 months; Kemenkes training material (Buku Ajar Imunisasi 2014): at least 12 months after DPT-HB-Hib 3"},
  {"vaccine": "MR", "dose": 2, "recommended_age": {"months": 18}, "min_age": {"months": 18}, "max_age": null, "min_interval": {"months": 6}, "counts_toward": "baduta", "areas": null, "endemic_only": false, "source": "Permenkes 12/2017 imunisasi lanjutan baduta at 18 months; at least 6 months after MR 1 (Buku Ajar Imunisasi 2014; IDAI)"}
 ],
 "supplements": {
  "vitamin_a": {"round_months": [2, 8], "blue": {"min_months": 6, "max_months": 11}, "red": {"min_months": 12, "max_months": 59}, "source": "Permenkes 21/2015 Standar Kapsul Vitamin A: blue 100,000 IU once at 6-11 months, red 200,000 IU at 12-59 months, in February and August (bulan vitamin A); a district may move a round (domain.md)"},
  "deworming": {"round_months": [2, 8], "min_months": 12, "max_months": 59, "source": "Permenkes 15/2017 Penanggulangan Cacingan: preventive deworming for children from 12 months, once or twice a year by district (WHO 2017 guideline: from 12 months); months are configuration"}
 }
}
""")

schedule_version = sa.table(
    "schedule_version", sa.column("id", sa.Integer), sa.column("name", sa.String),
    sa.column("valid_from", sa.Date), sa.column("document", sa.JSON), sa.column("active", sa.Boolean))


def insert_default(conn) -> None:
    """Insert the 2024 schedule unless some version exists already."""
    if conn.execute(sa.select(sa.func.count()).select_from(schedule_version)).scalar():
        return
    conn.execute(schedule_version.insert().values(
        name=SCHEDULE_2024["name"][:120], valid_from=date.fromisoformat(SCHEDULE_2024["valid_from"]),
        document=SCHEDULE_2024, active=True))


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # ADD COLUMN with an inline REFERENCES: no table rebuild (a batch rebuild would drop CHECKs)
        op.execute('ALTER TABLE supplement ADD COLUMN override_by CHAR(32) REFERENCES "user" (id)')
    else:
        op.add_column("supplement", sa.Column("override_by", sa.Uuid(), nullable=True))
        op.create_foreign_key(op.f("fk_supplement_override_by_user"), "supplement", "user", ["override_by"], ["id"])
    insert_default(bind)


def downgrade():
    op.execute(schedule_version.delete().where(schedule_version.c.name == SCHEDULE_2024["name"][:120]))
    with op.batch_alter_table("supplement") as batch_op:
        batch_op.drop_column("override_by")
