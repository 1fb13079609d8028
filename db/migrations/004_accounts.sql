-- Access control: accounts with a role, their API tokens, page sessions shared by every replica,
-- sign-in throttling that holds across replicas, and the audit trail. No foreign keys: they
-- would need the REFERENCES privilege, and accounts are disabled, never deleted.
CREATE TABLE IF NOT EXISTS users (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  -- [A-Za-z0-9._-] only, so ascii; the _ci collation makes "Alice" and "alice" one account.
  username VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  role VARCHAR(16) CHARACTER SET ascii NOT NULL,
  -- PHC string with the hash's own parameters; NULL when the account cannot sign in with a password.
  password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
  disabled TINYINT(1) NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_users_username (username),
  KEY ix_users_role (role, disabled)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Only the SHA-256 of each token is kept; the token itself is shown once.
CREATE TABLE IF NOT EXISTS api_tokens (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(100) NOT NULL,
  token_hash BINARY(32) NOT NULL,
  role VARCHAR(16) CHARACTER SET ascii NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NULL,
  last_used_at DATETIME(3) NULL,
  revoked_at DATETIME(3) NULL,
  UNIQUE KEY uq_api_tokens_hash (token_hash),
  KEY ix_api_tokens_user (user_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Keyed by the SHA-256 of the session id, so reading this table does not give live sessions.
CREATE TABLE IF NOT EXISTS sessions (
  id_hash BINARY(32) NOT NULL PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(3) NOT NULL,
  last_seen_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  KEY ix_sessions_user (user_id),
  KEY ix_sessions_expires (expires_at),
  KEY ix_sessions_last_seen (last_seen_at)
) ENGINE=InnoDB;

-- Failed sign-ins per (account, client) pair and per account.
CREATE TABLE IF NOT EXISTS sign_in_failures (
  scope_key VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  failures INT UNSIGNED NOT NULL,
  last_failure_at DATETIME(3) NOT NULL,
  locked_until DATETIME(3) NULL,
  KEY ix_sign_in_failures_last (last_failure_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS audit_events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at DATETIME(3) NOT NULL,
  actor_user_id BIGINT UNSIGNED NULL,
  actor_username VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NULL,
  actor_token_id BIGINT UNSIGNED NULL,
  action VARCHAR(32) CHARACTER SET ascii NOT NULL,
  target_type VARCHAR(16) CHARACTER SET ascii NOT NULL,
  target_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  before_values TEXT NULL,
  after_values TEXT NULL,
  client_ip VARCHAR(64) CHARACTER SET ascii NOT NULL,
  request_id VARCHAR(64) CHARACTER SET ascii NOT NULL,
  KEY ix_audit_actor (actor_username, id),
  KEY ix_audit_target (target_type, target_id, id),
  KEY ix_audit_action (action, id),
  KEY ix_audit_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
