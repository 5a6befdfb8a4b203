# The machine identities of one team, managed through a GitOps pipeline: every
# change arrives as a pull request, is planned there with a read-only key and
# applied after the merge with an org_owner key (README.md, github-actions.yml,
# pipeline.sh).
#
# Deliberately absent: access keys (managed or ephemeral pgcloud_access_key)
# and passwords kept in the state (`password`). A managed key's secret lives
# in the state, and a saved plan carries the prior state, so it would be in
# every plan file the pipeline uploads as an artifact; the ephemeral key opens
# a session token at plan time, which a read-only key may not do. README.md
# ("What a read-only plan can do") has the details.
terraform {
  required_version = ">= 1.11"

  required_providers {
    pgcloud = {
      source  = "pgcloud/pgcloud"
      version = "~> 0.1"
    }
  }

  # A pipeline runs on throwaway runners: keep the state in a backend with
  # locking (s3, gcs, azurerm, pg, http, ...), here or through
  # `terraform init -backend-config=...`. Without one, the state is the local
  # terraform.tfstate, which only suits a try-out on one machine.
}

# endpoint and access_key come from PGCLOUD_ENDPOINT and PGCLOUD_ACCESS_KEY,
# which the pipeline sets from the CI's variables and secret store. Never
# write a key into a .tf or .tfvars file.
provider "pgcloud" {}

data "pgcloud_project" "orders" {
  name = var.project_name
}

data "pgcloud_postgres_cluster" "orders" {
  project_id = data.pgcloud_project.orders.id
  name       = var.cluster_name
}

locals {
  # The team's services: one machine user each, with a role on the project.
  services = {
    orders-api = {
      description = "The orders API: reads the project's clusters"
      role        = "project_viewer"
    }
    orders-migrations = {
      description = "Runs the schema migrations of the orders database"
      role        = "project_editor"
    }
  }
}

resource "pgcloud_machine_user" "service" {
  for_each = local.services

  username    = each.key
  description = each.value.description
}

resource "pgcloud_project_role_binding" "service" {
  for_each = local.services

  project_id = data.pgcloud_project.orders.id
  user_id    = pgcloud_machine_user.service[each.key].id
  role       = each.value.role
}

# The application's database user. The password is write-only: it goes to
# the platform when the user is created (and whenever the version changes),
# never into the plan or the state.
resource "pgcloud_postgres_cluster_user" "orders_app" {
  cluster_id          = data.pgcloud_postgres_cluster.orders.id
  username            = "orders_app"
  password_wo         = var.orders_app_password
  password_wo_version = var.orders_app_password_version
}

output "machine_user_ids" {
  description = "Ids of the team's machine users, by username."
  value       = { for name, user in pgcloud_machine_user.service : name => user.id }
}

output "database_user" {
  description = "The application's database user."
  value       = pgcloud_postgres_cluster_user.orders_app.username
}
