#!/usr/bin/env bash
# Nightly backup of the Posyandu database: a compressed custom-format pg_dump,
# written atomically, older dumps pruned. Run by deploy/systemd/posyandu-backup.timer.
#   DATABASE_URL=postgresql://posyandu@/posyandu BACKUP_DIR=/var/backups/posyandu deploy/backup.sh
# A dump holds every child's personal data: files (and a directory it creates) are the
# running user's alone, and a dump that fails or is interrupted leaves no .partial behind.
set -euo pipefail
umask 077
: "${DATABASE_URL:?set DATABASE_URL (postgresql://user@host/db)}"
BACKUP_DIR=${BACKUP_DIR:-/var/backups/posyandu}
KEEP_DAYS=${KEEP_DAYS:-30}
url=${DATABASE_URL/postgresql+psycopg:/postgresql:}
mkdir -p "$BACKUP_DIR"
target="$BACKUP_DIR/posyandu-$(date -u +%Y%m%dT%H%M%SZ).dump"
trap 'rm -f -- "$target.partial"' EXIT   # after the mv below there is none left to remove
trap 'exit 130' INT
trap 'exit 143' TERM                     # systemctl stop, a timeout: the EXIT trap still runs
pg_dump --format=custom --compress=6 --no-owner --file="$target.partial" "$url"
pg_restore --list "$target.partial" >/dev/null   # the archive is readable
mv "$target.partial" "$target"
find "$BACKUP_DIR" -name 'posyandu-*.dump' -mtime +"$KEEP_DAYS" -delete
# a run killed outright (SIGKILL, power cut) could not remove its .partial: one over a day old is no
# run's still in progress
find "$BACKUP_DIR" -name 'posyandu-*.dump.partial' -mmin +1440 -delete
echo "$target"
