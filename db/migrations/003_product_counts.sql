-- The page shows the catalog's size on every view, and COUNT(*) reads every row of products.
-- The store keeps the count here instead, changed in the same transaction as each insert and
-- delete, spread over several slots (summed when read) so concurrent writes rarely wait for each other.
CREATE TABLE IF NOT EXISTS product_counts (
  slot TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  n BIGINT NOT NULL
) ENGINE=InnoDB;

-- Rows that exist already (an adopted table) are counted once, here.
REPLACE INTO product_counts (slot, n) SELECT 0, COUNT(*) FROM products;
