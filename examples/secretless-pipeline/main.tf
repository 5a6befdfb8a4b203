# A configuration a CI pipeline plans and applies with no pgcloud secret:
# the provider block holds no access key. The pipeline gives it an OIDC ID
# token instead (github-actions.yml: the job's own, requested from GitHub),
# which the provider exchanges for a short-lived session token of the machine
# user whose pgcloud_machine_user_federated_credential trusts the token, and
# renews before it expires. README.md shows the GitLab CI and HCP Terraform
# variants, and the one-time setup an organization owner makes.
terraform {
  required_version = ">= 1.11"

  required_providers {
    pgcloud = {
      source  = "pgcloud/pgcloud"
      version = "~> 0.1"
    }
  }
}

# PGCLOUD_ENDPOINT, and one of PGCLOUD_OIDC_TOKEN_FILE, PGCLOUD_OIDC_TOKEN or
# PGCLOUD_OIDC_REQUEST_URL + PGCLOUD_OIDC_REQUEST_TOKEN (in GitHub Actions,
# ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN, which the provider uses when
# nothing else is set), come from the pipeline's environment.
provider "pgcloud" {}

variable "service_name" {
  description = "Username of the machine user this pipeline manages."
  type        = string
  default     = "reporting-service"
}

# What the pipeline manages: here, one machine user of a service.
resource "pgcloud_machine_user" "service" {
  username    = var.service_name
  description = "Managed by the secretless pipeline of acme/infra"
}

output "service_machine_user_id" {
  description = "Id of the service's machine user."
  value       = pgcloud_machine_user.service.id
}
