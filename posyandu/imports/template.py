"""The spreadsheet a puskesmas fills for an import: the columns the reader knows, headed as a
register heads them, and a sheet that says what each takes. Built from the reader's own column
names, so every header of the template is one ``reader.read_rows`` recognises."""
from __future__ import annotations

import io
from datetime import date

import xlsxwriter

# (our column, its header in the template, what it takes, an example), in the order a register keeps them; a
# date's example is a date cell, shown as typed (dd/mm/yyyy), as a date typed in the Data sheet is: copied into
# it, a text "15/01/2025" beside the dates typed there looked like Excel read month first
# (``rows.refuse_excel_month_first``) and refused the file
TEMPLATE: tuple[tuple[str, str, str, str | date], ...] = (
    ("posyandu", "Posyandu",
     "Nama posyandu (seperti di aplikasi; bila namanya dipakai posyandu lain, dengan desanya: Melati (Sooko)) — wajib",
     "Melati"),
    ("name", "Nama Anak", "Nama lengkap anak — wajib", "Siti Aminah"),
    ("sex", "Jenis Kelamin (L/P)", "L atau P — wajib", "P"),
    ("birth_date", "Tanggal Lahir", "Tanggal lahir, hari dulu: 15/01/2025 — wajib", date(2025, 1, 15)),
    ("nik", "NIK", "16 angka, sebagai teks (angka 0 di depan tidak hilang)", "3525015501250002"),
    ("mother_nik", "NIK Ibu", "16 angka", "3525014203900001"),
    ("mother_name", "Nama Ibu", "Nama ibu kandung", "Aminah"),
    ("father_name", "Nama Ayah", "Nama ayah", "Budi"),
    ("guardian_phone", "No HP", "Nomor HP orang tua", "081234567890"),
    ("address", "Alamat", "Alamat rumah", "Dusun Krajan"),
    ("rt", "RT", "Nomor RT", "002"),
    ("rw", "RW", "Nomor RW", "001"),
    ("birth_weight_kg", "BB Lahir (kg)", "Berat lahir dalam kg (atau dalam gram bila judulnya BB Lahir (gram): 3200)", "3,1"),
    ("birth_length_cm", "PB Lahir (cm)", "Panjang lahir dalam cm", "49"),
    ("has_kms", "Punya KMS", "ya atau tidak (KMS/Buku KIA)", "ya"),
    ("not_duplicate", "Bukan Duplikat", "ya untuk anak kembar yang namanya mirip", ""),
    ("measured_on", "Tanggal Timbang", "Tanggal kunjungan/penimbangan — wajib bila ada kunjungan", date(2025, 6, 10)),
    ("weight_kg", "BB (kg)", "Berat badan dalam kg", "7,2"),
    ("length_height_cm", "TB/PB (cm)", "Panjang atau tinggi badan dalam cm", "65,5"),
    ("position", "Posisi", "berbaring (panjang badan) atau berdiri (tinggi badan)", "berbaring"),
    ("head_circumference_cm", "Lingkar Kepala (cm)", "Lingkar kepala dalam cm", "41,5"),
    ("muac_cm", "LiLA (cm)", "Lingkar lengan atas dalam cm", "13,5"),
    ("oedema", "Edema", "ya bila ada edema di kedua punggung kaki", ""),
)
# a column named to her as the template heads it (a refusal naming one her file lacks: "Tanggal Timbang")
TITLES = {key: title for key, title, _, _ in TEMPLATE}
TEXT_COLUMNS = {"nik", "mother_nik", "guardian_phone", "rt", "rw"}  # digits kept as typed
DATE_COLUMNS = {"birth_date", "measured_on"}
FILENAME = "contoh-impor-kunjungan.xlsx"


def template_xlsx() -> bytes:
    """The template: sheet "Data" with the headers (one row per visit, or per child without one) and
    sheet "Petunjuk" with what each column takes and an example; the import reads "Data"."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E2EFDA"})
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    data = book.add_worksheet("Data")
    for c, (key, title, _, _) in enumerate(TEMPLATE):
        fmt = text if key in TEXT_COLUMNS else day if key in DATE_COLUMNS else None
        data.set_column(c, c, max(12, len(title) + 2), fmt)
    data.write_row(0, 0, [title for _, title, _, _ in TEMPLATE], header)
    data.freeze_panes(1, 0)
    guide = book.add_worksheet("Petunjuk")
    guide.set_column(0, 0, 22)
    guide.set_column(1, 1, 60)
    guide.set_column(2, 2, 20)
    guide.write_row(0, 0, ["Kolom", "Isi", "Contoh"], header)
    for r, (key, title, what, example) in enumerate(TEMPLATE, 1):
        guide.write_row(r, 0, [title, what])
        guide.write(r, 2, example, day if key in DATE_COLUMNS else None)
    notes = ["Satu baris per kunjungan; data anak diulang di setiap barisnya (atau satu baris per anak tanpa kunjungan).",
             "Berkas yang sama boleh diimpor lagi: anak dan kunjungan yang sudah ada tidak digandakan.",
             "Baris jumlah di bawah tabel (nama \"Jumlah\" atau \"Total\", tanpa tanggal lahir, jenis kelamin kosong "
             "atau jumlah (L: 12), sisanya angka atau tanggal) dilewati.",
             "Periksa berkas dulu di aplikasi (Impor data → Periksa berkas): setiap baris yang ditolak disebut alasannya."]
    for r, note in enumerate(notes, len(TEMPLATE) + 2):
        guide.write_string(r, 0, note)
    book.close()
    return out.getvalue()
