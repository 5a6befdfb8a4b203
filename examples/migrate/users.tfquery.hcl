# What to adopt: the machine users whose username starts with
# var.username_prefix, their access keys and organization roles, and the
# database users of the clusters in var.cluster_ids.

variable "username_prefix" {
  description = "Adopt the machine users whose username starts with this."
  type        = string
  default     = "ci-"
}

variable "cluster_ids" {
  description = "Clusters whose database users to adopt (none by default)."
  type        = set(string)
  default     = []
}

list "pgcloud_machine_user" "users" {
  provider = pgcloud
  # Terraform stops at 100 results unless told otherwise.
  limit = 1000

  config {
    username_prefix = var.username_prefix
  }
}

# A list block can use what another one found: the keys and the roles of
# each machine user found above.
list "pgcloud_access_key" "keys" {
  provider = pgcloud
  for_each = { for user in list.pgcloud_machine_user.users.data : user.identity.id => user.identity }

  config {
    organization_id = each.value.organization_id
    machine_user_id = each.value.id
  }
}

list "pgcloud_org_role_binding" "roles" {
  provider = pgcloud
  for_each = { for user in list.pgcloud_machine_user.users.data : user.identity.id => user.identity }

  config {
    organization_id = each.value.organization_id
    user_id         = each.value.id
  }
}

list "pgcloud_postgres_cluster_user" "database_users" {
  provider = pgcloud
  for_each = var.cluster_ids
  limit    = 1000

  config {
    cluster_id = each.value
  }
}
