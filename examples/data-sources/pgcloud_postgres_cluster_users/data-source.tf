variable "cluster_id" {
  type = string
}

# The users the platform manages...
data "pgcloud_postgres_cluster_users" "managed" {
  cluster_id = var.cluster_id
}

# ...and every role of the cluster, system users such as postgres included.
data "pgcloud_postgres_cluster_users" "all" {
  cluster_id     = var.cluster_id
  include_system = true
}

output "system_users" {
  value = [for u in data.pgcloud_postgres_cluster_users.all.users : u.username if u.system]
}
