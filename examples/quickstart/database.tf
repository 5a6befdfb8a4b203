# A database user in a real PostgreSQL cluster of the platform. `make demo`
# registers a throwaway PostgreSQL as cluster "demo" and passes its id and a
# random password through TF_VAR_cluster_id and TF_VAR_app_user_password.

variable "cluster_id" {
  type        = string
  description = "Id of the cluster to create the database user in."
}

variable "app_user_password" {
  type        = string
  description = "Password of the application's database user (10-63 characters)."
  sensitive   = true
  ephemeral   = true # never stored in the plan or the state
}

data "pgcloud_postgres_cluster" "demo" {
  id = var.cluster_id
}

resource "pgcloud_postgres_cluster_user" "app" {
  cluster_id = data.pgcloud_postgres_cluster.demo.id
  username   = "app_user"

  # Write-only: the password goes to the platform (which hands PostgreSQL only
  # a SCRAM-SHA-256 verifier) and never into Terraform's state. Bump the
  # version to set a new password.
  password_wo         = var.app_user_password
  password_wo_version = 1
}

data "pgcloud_postgres_cluster_users" "demo" {
  cluster_id = data.pgcloud_postgres_cluster.demo.id

  depends_on = [pgcloud_postgres_cluster_user.app]
}

output "app_user" {
  value = pgcloud_postgres_cluster_user.app.username
}

output "cluster_users" {
  value = [for u in data.pgcloud_postgres_cluster_users.demo.users : u.username]
}
