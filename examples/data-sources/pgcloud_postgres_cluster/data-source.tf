data "pgcloud_project" "payments" {
  name = "payments"
}

# By name within a project...
data "pgcloud_postgres_cluster" "orders" {
  project_id = data.pgcloud_project.payments.id
  name       = "orders"
}

# ...by name alone, searching every project of the organization (an error
# that lists the clusters if more than one project has one of that name)...
data "pgcloud_postgres_cluster" "analytics" {
  name = "analytics"
}

# ...or by id.
data "pgcloud_postgres_cluster" "by_id" {
  id = data.pgcloud_postgres_cluster.orders.id
}

output "orders_postgres_version" {
  value = data.pgcloud_postgres_cluster.orders.postgres_version
}
