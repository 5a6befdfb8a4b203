data "pgcloud_project" "payments" {
  name = "payments"
}

resource "pgcloud_machine_user" "deployer" {
  username = "payments-deployer"
}

# The deployer manages the database users of the payments project's clusters.
resource "pgcloud_project_role_binding" "deployer" {
  project_id = data.pgcloud_project.payments.id
  user_id    = pgcloud_machine_user.deployer.id
  role       = "project_editor"
}

# Read-only access for a dashboard.
resource "pgcloud_machine_user" "dashboard" {
  username = "payments-dashboard"
}

resource "pgcloud_project_role_binding" "dashboard" {
  project_id = data.pgcloud_project.payments.id
  user_id    = pgcloud_machine_user.dashboard.id
  role       = "project_viewer"
}
