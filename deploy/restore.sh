#!/usr/bin/env bash
# Restore a dump made by deploy/backup.sh into an EMPTY database, then bring the
# schema up to date with the migrations of the installed release.
#   DATABASE_URL=postgresql://posyandu@/posyandu_restored deploy/restore.sh /var/backups/posyandu/posyandu-….dump
set -euo pipefail
dump=${1:?usage: restore.sh DUMPFILE}
: "${DATABASE_URL:?set DATABASE_URL to the (empty) database to restore into}"
url=${DATABASE_URL/postgresql+psycopg:/postgresql:}
here=$(cd "$(dirname "$0")/.." && pwd)
flask=${FLASK:-$here/.venv/bin/flask}
# not over live data: pg_restore would stop at the first table ("relation access_log already exists"),
# which named no cause; said here before anything is read
tables=$(psql "$url" -XtAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "restore.sh: the database is not empty ($tables tables): restore into a new, empty one (createdb), then point DATABASE_URL at it" >&2
  exit 1
fi
pg_restore --exit-on-error --single-transaction --no-owner --dbname="$url" "$dump"
(cd "$here" && DATABASE_URL="$DATABASE_URL" "$flask" --app wsgi db upgrade)
echo "restored $dump"
