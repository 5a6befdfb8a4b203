variable "cluster_id" {
  type = string
}

variable "orders_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Rotating the password (a new var.orders_password and password_wo_version)
# keeps new logins with the old one out; the action_trigger then ends the
# sessions that were opened with it, right after the new password is set.
resource "pgcloud_postgres_cluster_user" "orders_app" {
  cluster_id          = var.cluster_id
  username            = "orders_app"
  password_wo         = var.orders_password
  password_wo_version = 2

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.pgcloud_postgres_cluster_user_terminate_connections.orders_app]
    }
  }
}

# It can also be run on demand, at any time:
#
#   terraform apply -invoke=action.pgcloud_postgres_cluster_user_terminate_connections.orders_app
action "pgcloud_postgres_cluster_user_terminate_connections" "orders_app" {
  config {
    cluster_id = pgcloud_postgres_cluster_user.orders_app.cluster_id
    username   = pgcloud_postgres_cluster_user.orders_app.username
  }
}
