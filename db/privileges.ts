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
