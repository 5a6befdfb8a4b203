# Credentials and permissions for the machine users of main.tf.

data "pgcloud_project" "default" {
  name = "default"
}

# The CI deployer authenticates with a key that rotates itself: it lives 90
# days and is replaced by a fresh one once it is within 14 days of expiry. The
# new key is created before the old one is deleted, within the machine user's
# quota of 2 keys.
resource "pgcloud_access_key" "ci_deployer" {
  machine_user_id    = pgcloud_machine_user.service["ci-deployer"].id
  name_prefix        = "ci-"
  expires_in_days    = 90
  rotate_before_days = 14

  lifecycle {
    create_before_destroy = true
  }
}

# What each machine user may do.
resource "pgcloud_project_role_binding" "ci_deployer" {
  project_id = data.pgcloud_project.default.id
  user_id    = pgcloud_machine_user.service["ci-deployer"].id
  role       = "project_editor"
}

resource "pgcloud_project_role_binding" "monitoring" {
  project_id = data.pgcloud_project.default.id
  user_id    = pgcloud_machine_user.service["monitoring"].id
  role       = "project_viewer"
}

resource "pgcloud_org_role_binding" "gitops" {
  user_id = pgcloud_machine_user.gitops.id
  role    = "org_admin"
}

output "ci_deployer_masked_key" {
  value = pgcloud_access_key.ci_deployer.masked_key
}

# terraform output -raw ci_deployer_access_key
output "ci_deployer_access_key" {
  value     = pgcloud_access_key.ci_deployer.secret
  sensitive = true
}
