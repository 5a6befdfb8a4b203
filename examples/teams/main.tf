# Every team gets its machine identity from one reusable module: a machine
# user, a rotating access key, project roles and database users. Adding a
# team to var.teams adds only that team's resources; removing one removes
# them all, on the platform and in PostgreSQL.
#
# The provider reads PGCLOUD_ENDPOINT and PGCLOUD_ACCESS_KEY (a key of an
# org_owner) from the environment; the cluster and the database passwords come
# the same way, for example from a pipeline's secret store:
#
#   export TF_VAR_cluster_id=...
#   export TF_VAR_database_passwords='{"payments_app": "...", "analytics_reader": "..."}'
terraform {
  required_version = ">= 1.11"

  required_providers {
    pgcloud = {
      source  = "pgcloud/pgcloud"
      version = "~> 0.1"
    }
  }
}

provider "pgcloud" {}

module "teams" {
  source   = "../modules/machine-identity"
  for_each = var.teams

  name        = "team-${each.key}"
  description = each.value.description
  email       = each.value.email

  project_name  = var.project_name
  project_roles = each.value.project_roles

  key_expires_in_days    = each.value.key_expires_in_days
  key_rotate_before_days = each.value.key_rotate_before_days

  cluster_id     = length(each.value.database_users) > 0 ? var.cluster_id : null
  database_users = each.value.database_users
  # Only this team's passwords reach this team's module.
  database_passwords = { for u, p in var.database_passwords : u => p if contains(keys(each.value.database_users), u) }
}

# Renaming a team is renaming its key in var.teams plus a moved block, so
# that Terraform renames the machine user in place instead of replacing
# everything the team has:
#
# moved {
#   from = module.teams["analytics"]
#   to   = module.teams["insights"]
# }
