resource "pgcloud_machine_user" "deployer" {
  username    = "github-deployer"
  description = "Plans and applies acme/infra from GitHub Actions"
}

# Any branch of one GitHub repository may act as the machine user: its
# workflow exchanges the job's OIDC ID token for a short-lived session token,
# and holds no pgcloud secret. The audience is the server's default (its URL)
# unless set.
resource "pgcloud_machine_user_federated_credential" "github" {
  machine_user_id = pgcloud_machine_user.deployer.id
  name            = "github-acme-infra"
  description     = "GitHub Actions workflows of acme/infra"
  issuer          = "https://token.actions.githubusercontent.com"
  subject         = "repo:acme/infra:ref:refs/heads/*"
}

# Only jobs of the production environment of a GitLab project, on a
# protected branch.
resource "pgcloud_machine_user_federated_credential" "gitlab_production" {
  machine_user_id = pgcloud_machine_user.deployer.id
  name            = "gitlab-acme-infra-production"
  issuer          = "https://gitlab.com"
  audience        = "https://pgcloud.example.com"
  subject         = "project_path:acme/infra:ref_type:branch:ref:main"

  claims = {
    environment   = "production"
    ref_protected = "true"
  }
}

# HCP Terraform runs of one workspace (workload identity).
resource "pgcloud_machine_user_federated_credential" "hcp_terraform" {
  machine_user_id = pgcloud_machine_user.deployer.id
  name            = "hcp-terraform-infra"
  issuer          = "https://app.terraform.io"
  audience        = "pgcloud.workload.identity"
  subject         = "organization:acme:project:Default Project:workspace:infra:run_phase:*"
}
