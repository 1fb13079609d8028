/**
 * Options of every dump, in the CronJob and in the restore test alike (MySQL's mysqldump and
 * MariaDB's mariadb-dump both take them): one consistent snapshot in a single transaction
 * (InnoDB), rows streamed rather than buffered, no tablespace listing (which would need PROCESS),
 * binary columns as hex, utf8mb4 throughout. No `--databases`: the dump restores into whichever
 * database it is loaded into.
 */
export const DUMP_OPTIONS: readonly string[] = [
  '--single-transaction',
  '--quick',
  '--no-tablespaces',
  '--hex-blob',
  '--default-character-set=utf8mb4',
];

/** Where the backup volume is mounted in the backup container. */
export const BACKUP_DIR = '/backups';

/** Environment the script reads; the CronJob sets each one. */
export const BACKUP_ENV = ['DB_HOST', 'DB_PORT', 'DB_USER', 'DB_PASSWORD_FILE', 'DB_NAME', 'BACKUP_DIR', 'BACKUP_KEEP'] as const;

/**
 * The backup job, a bash script: dumps DB_NAME with {@link DUMP_OPTIONS}, gzips it to
 * `<BACKUP_DIR>/<DB_NAME>-<UTC time>.sql.gz` through a hidden partial file (so a failed or cut
 * dump never looks like a backup: the file must be valid gzip and end with the dump's completion
 * line), then keeps only the newest BACKUP_KEEP backups. Exits non-zero on any failure.
 */
export function backupScript(): string {
  return [
    'set -euo pipefail',
    'umask 077',
    ...BACKUP_ENV.map((name) => `: "\${${name}:?${name} must be set}"`),
    'case "$BACKUP_KEEP" in ""|*[!0-9]*|0) echo "BACKUP_KEEP must be a whole number of at least 1" >&2; exit 64 ;; esac',
    'name="${DB_NAME}-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"',
    'partial="${BACKUP_DIR}/.${name}.partial"',
    "trap 'rm -f \"$partial\"' EXIT",
    `MYSQL_PWD="$(cat "$DB_PASSWORD_FILE")" mysqldump --host="$DB_HOST" --port="$DB_PORT" --user="$DB_USER" ${DUMP_OPTIONS.join(' ')} "$DB_NAME" | gzip -c > "$partial"`,
    'gzip -t "$partial"',
    'gzip -dc "$partial" | tail -n 1 | grep -q "^-- Dump completed"',
    'mv "$partial" "${BACKUP_DIR}/${name}"',
    'echo "backup written: ${BACKUP_DIR}/${name} ($(wc -c < "${BACKUP_DIR}/${name}") bytes)"',
    // Names sort by time: remove all but the newest BACKUP_KEEP.
    'find "$BACKUP_DIR" -maxdepth 1 -type f -name "${DB_NAME}-*.sql.gz" -printf "%f\\n" | sort -r | tail -n +"$((BACKUP_KEEP + 1))" | while read -r old; do',
    '  rm -f -- "${BACKUP_DIR}/${old}"',
    '  echo "backup removed: ${old}"',
    'done',
    '',
  ].join('\n');
}
