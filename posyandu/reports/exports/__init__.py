"""Report exports: CSV and XLSX (Indonesian headers) and a FHIR R4 Bundle, all streamed."""
