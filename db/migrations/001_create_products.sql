-- Start from the tutorial's table when there is none, so new and adopted databases take one path.
CREATE TABLE IF NOT EXISTS products (
  product_name VARCHAR(10),
  product_id VARCHAR(11)
);
