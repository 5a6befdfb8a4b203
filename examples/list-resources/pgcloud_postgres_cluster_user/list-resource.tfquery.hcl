variable "cluster_id" {
  type = string
}

# The database users the platform manages in a cluster: what Terraform can
# adopt. The configuration -generate-config-out writes for them sets no
# password (none can be read back); add password_wo and password_wo_version
# to have Terraform set one.
list "pgcloud_postgres_cluster_user" "app" {
  provider = pgcloud

  config {
    cluster_id = var.cluster_id
  }
}

# Every role of the cluster, system users (marked as such) included: an
# inventory, not something to import.
list "pgcloud_postgres_cluster_user" "inventory" {
  provider = pgcloud

  config {
    cluster_id           = var.cluster_id
    include_system_users = true
  }
}
