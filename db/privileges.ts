/**
 * The privileges the app's database user needs on its own database: reads and writes of
 * products, plus what the migration runner uses to create and alter tables and indexes.
 * GET_LOCK/RELEASE_LOCK need no privilege.
 */
export const APP_DATABASE_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'ALTER',
  'INDEX',
] as const;
