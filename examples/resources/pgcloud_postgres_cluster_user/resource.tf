variable "cluster_id" {
  type = string
}

variable "orders_password" {
  type      = string
  sensitive = true
  ephemeral = true # never stored in the plan or the state
}

variable "billing_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Recommended: a write-only password, never stored in the state. To set a
# new one, change var.orders_password and increment password_wo_version.
# An application user gets its privileges through a group role (see
# pgcloud_postgres_cluster_role for the GRANT a DBA runs once on it).
resource "pgcloud_postgres_cluster_role" "app_readers" {
  cluster_id = var.cluster_id
  name       = "app_readers"
}

resource "pgcloud_postgres_cluster_user" "orders_app" {
  cluster_id          = var.cluster_id
  username            = "orders_app"
  password_wo         = var.orders_password
  password_wo_version = 1
  member_of           = [pgcloud_postgres_cluster_role.app_readers.name]
  connection_limit    = 20
}

# A read-only reporting user: reads every table of every schema
# (PostgreSQL's pg_read_all_data), writes nothing, at most 5 connections,
# and its password stops working at the end of the year. Here the password
# is kept in the state (marked sensitive); changing it sets it in place.
resource "pgcloud_postgres_cluster_user" "reporting" {
  cluster_id       = var.cluster_id
  username         = "reporting"
  password         = "change-me-reporting-1"
  member_of        = ["pg_read_all_data"]
  connection_limit = 5
  valid_until      = "2030-12-31T23:59:59Z"
}

# Rotation without downtime: two login roles, billing and billing_alt. Each
# new password (bump password_wo_version) goes to the one not in use, which
# becomes active_username; clients still using the previous username and
# password keep working until the next rotation.
resource "pgcloud_postgres_cluster_user" "billing" {
  cluster_id          = var.cluster_id
  username            = "billing"
  rotation            = "alternating"
  password_wo         = var.billing_password
  password_wo_version = 1
  member_of           = [pgcloud_postgres_cluster_role.app_readers.name]
}

# Clients read the username and the password together.
output "billing_username" {
  value = pgcloud_postgres_cluster_user.billing.active_username
}
