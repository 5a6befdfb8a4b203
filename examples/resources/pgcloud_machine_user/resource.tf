# A machine user for a CI pipeline, with every setting spelled out.
resource "pgcloud_machine_user" "ci" {
  username          = "ci-deployer"
  name              = "CI deployer"
  description       = "Deploys the applications from CI"
  email             = "platform-team@example.com"
  access_token_type = "bearer"
}

# The smallest machine user: its name defaults to the username, and it belongs
# to the provider's organization.
resource "pgcloud_machine_user" "backup" {
  username = "nightly-backup"
}

# A machine user whose id is chosen rather than assigned, so other tools can
# refer to it before it exists.
resource "pgcloud_machine_user" "monitoring" {
  id       = "monitoring-agent"
  username = "monitoring"
}
