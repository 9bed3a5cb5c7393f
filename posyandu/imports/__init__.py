"""Bulk import of children and their visits from a puskesmas spreadsheet (CSV or XLSX)."""
