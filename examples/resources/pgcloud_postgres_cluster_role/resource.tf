variable "cluster_id" {
  type = string
}

# A group role: users get its privileges through member_of.
resource "pgcloud_postgres_cluster_role" "app_readers" {
  cluster_id = var.cluster_id
  name       = "app_readers"
}

# A group role may itself be a member of PostgreSQL's predefined roles and
# of other group roles.
resource "pgcloud_postgres_cluster_role" "app_writers" {
  cluster_id = var.cluster_id
  name       = "app_writers"
  member_of  = [pgcloud_postgres_cluster_role.app_readers.name, "pg_write_all_data"]
}
