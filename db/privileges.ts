/**
 * The privileges the app's database user needs on its own database: reads and writes of
 * products, plus what the migration runner uses to create and alter tables (ALTER TABLE ... ADD
 * KEY needs ALTER, not INDEX; REPLACE needs DELETE). GET_LOCK/RELEASE_LOCK need no privilege.
 * test/security/privileges.test.ts proves each one is needed and that together they suffice;
 * a migration using CREATE INDEX would need INDEX added here.
 */
export const APP_DATABASE_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'ALTER',
] as const;

/**
 * The privileges of the backup user (k8s/ creates it on MySQL's first boot): a consistent
 * `mysqldump --single-transaction --no-tablespaces` of tables needs SELECT and nothing else (no
 * LOCK TABLES inside one transaction, no PROCESS without tablespaces). Views, triggers or routines
 * would need SHOW VIEW, TRIGGER or SHOW_ROUTINE to be dumped; test/k8s/backup.test.ts fails when a
 * migration adds one, and proves SELECT is needed and enough.
 */
export const BACKUP_DATABASE_PRIVILEGES = ['SELECT'] as const;
