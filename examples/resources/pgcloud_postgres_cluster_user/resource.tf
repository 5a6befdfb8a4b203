variable "cluster_id" {
  type = string
}

variable "orders_password" {
  type      = string
  sensitive = true
  ephemeral = true # never stored in the plan or the state
}

# Recommended: a write-only password, never stored in the state. To set a
# new one, change var.orders_password and increment password_wo_version.
resource "pgcloud_postgres_cluster_user" "orders_app" {
  cluster_id          = var.cluster_id
  username            = "orders_app"
  password_wo         = var.orders_password
  password_wo_version = 1
}

# Or a password kept in the state (marked sensitive); changing it sets the
# new password in place.
resource "pgcloud_postgres_cluster_user" "reporting" {
  cluster_id = var.cluster_id
  username   = "reporting"
  password   = "change-me-reporting-1"
}
