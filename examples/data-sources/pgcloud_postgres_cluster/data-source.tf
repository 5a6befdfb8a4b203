data "pgcloud_project" "payments" {
  name = "payments"
}

# By name within a project...
data "pgcloud_postgres_cluster" "orders" {
  project_id = data.pgcloud_project.payments.id
  name       = "orders"
}

# ...or by id.
data "pgcloud_postgres_cluster" "by_id" {
  id = data.pgcloud_postgres_cluster.orders.id
}

output "orders_postgres_version" {
  value = data.pgcloud_postgres_cluster.orders.postgres_version
}
