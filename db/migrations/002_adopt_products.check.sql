-- product_id must be present and unique before it can become the key; these rows stop the migration.
SELECT product_id, COUNT(*) AS copies
FROM products
GROUP BY CAST(product_id AS BINARY), product_id
HAVING COUNT(*) > 1 OR product_id IS NULL;
