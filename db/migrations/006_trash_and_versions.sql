-- Versions and the trash (issue 12). Trashed products stay in this table, so their IDs stay
-- taken by the same unique key and a restore puts them back at their old place in the list.
-- updated_at NULL means "never changed since created_at": no rewrite of every existing row.
-- deleted_by is the username at the time (usernames are ASCII, see 004).
ALTER TABLE products
  ADD COLUMN version INT UNSIGNED NOT NULL DEFAULT 1,
  ADD COLUMN updated_at DATETIME(3) NULL,
  ADD COLUMN deleted_at DATETIME(3) NULL,
  ADD COLUMN deleted_by VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NULL,
  ADD KEY ix_products_trash (deleted_at, id);
