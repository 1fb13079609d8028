<?php
// The tutorial's page, rewritten from its description for the benchmark: a form posting
// product_name and product_id, one mysqli connection per request, a prepared statement for the
// insert, and the products in a table, escaped with htmlspecialchars. The benchmark serves it
// with Debian's apache2 (prefork) and mod_php on the app's own database; it shows the newest 20
// rows, as many as the app's page. Like the tutorial, it does not keep the app's product_counts.
$db = new mysqli(getenv('DB_HOST'), getenv('DB_USER'), getenv('DB_PASSWORD'), getenv('DB_NAME'), (int) getenv('DB_PORT'));
$db->set_charset('utf8mb4');

$message = '';
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $name = $_POST['product_name'] ?? '';
    $id = $_POST['product_id'] ?? '';
    $insert = $db->prepare('INSERT INTO products (product_name, product_id) VALUES (?, ?)');
    $insert->bind_param('ss', $name, $id);
    try {
        $insert->execute();
        $message = 'New product added';
    } catch (mysqli_sql_exception $e) {
        $message = 'Error: ' . $e->getMessage();
    }
    $insert->close();
}
$products = $db->query('SELECT product_name, product_id FROM products ORDER BY id DESC LIMIT 20');
?>
<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Product details</title></head>
<body>
<h1>Add a product</h1>
<form method="post" action="">
  <label>Product name <input type="text" name="product_name"></label>
  <label>Product ID <input type="text" name="product_id"></label>
  <input type="submit" value="Submit">
</form>
<?php if ($message !== '') { echo '<p>' . htmlspecialchars($message) . '</p>'; } ?>
<h2>Products</h2>
<table>
<tr><th>Product name</th><th>Product ID</th></tr>
<?php while ($row = $products->fetch_assoc()) { ?>
<tr><td><?= htmlspecialchars($row['product_name']) ?></td><td><?= htmlspecialchars($row['product_id']) ?></td></tr>
<?php } ?>
</table>
</body>
</html>
<?php $db->close();
