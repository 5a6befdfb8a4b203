# A platform team's machine identities, managed as code.
#
# The provider reads PGCLOUD_ENDPOINT and PGCLOUD_ACCESS_KEY from the environment
# (`make demo` sets both for a throwaway pgcloud-server).
terraform {
  required_providers {
    pgcloud = {
      source  = "pgcloud/pgcloud"
      version = "~> 0.1"
    }
  }
}

provider "pgcloud" {}

data "pgcloud_organization" "current" {}

locals {
  machine_users = {
    ci-deployer = "Deploys applications from the CI pipeline"
    backup      = "Runs nightly logical backups"
    monitoring  = "Scrapes cluster metrics"
  }
}

resource "pgcloud_machine_user" "service" {
  for_each = local.machine_users

  username    = each.key
  description = each.value
}

resource "pgcloud_machine_user" "gitops" {
  id                = "gitops-bot"
  username          = "gitops"
  name              = "GitOps reconciler"
  email             = "platform-team@example.com"
  access_token_type = "jwt"
}

output "organization_id" {
  value = data.pgcloud_organization.current.id
}

output "machine_users" {
  value = { for k, u in merge(pgcloud_machine_user.service, { gitops = pgcloud_machine_user.gitops }) : k => u.id }
}
