-- Single sign-on (OpenID Connect). No foreign keys, as in 004: they would need REFERENCES.

-- role_pinned: an admin fixed the role, so sign-ins no longer recompute it from the claims.
-- disabled_by_claims: disabled because a sign-in's claims mapped no role, not by an admin; only
-- such an account is enabled again by a later sign-in that maps a role.
ALTER TABLE users
  ADD COLUMN role_pinned TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN disabled_by_claims TINYINT(1) NOT NULL DEFAULT 0;

-- Accounts linked to a provider's account: the ID token's iss and sub, compared byte for byte
-- (sub is case-sensitive), never a name the provider lets people change.
CREATE TABLE IF NOT EXISTS user_identities (
  issuer VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  subject VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(3) NOT NULL,
  last_sign_in_at DATETIME(3) NOT NULL,
  PRIMARY KEY (issuer, subject),
  KEY ix_user_identities_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Sign-ins under way at the provider (state, nonce, PKCE verifier, next), keyed by the SHA-256 of
-- the random id in the browser's cookie; the callback deletes its row before using it.
CREATE TABLE IF NOT EXISTS oidc_sign_ins (
  id_hash BINARY(32) NOT NULL PRIMARY KEY,
  pending TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  KEY ix_oidc_sign_ins_expires (expires_at)
) ENGINE=InnoDB;

-- A single sign-on session remembers the provider's account and the ID token, which signing out
-- sends back to the provider as id_token_hint. NULL for password sessions.
ALTER TABLE sessions
  ADD COLUMN oidc_issuer VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  ADD COLUMN oidc_subject VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  ADD COLUMN oidc_id_token TEXT CHARACTER SET ascii COLLATE ascii_bin NULL;
