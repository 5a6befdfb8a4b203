resource "pgcloud_machine_user" "auditor" {
  username = "compliance-auditor"
}

# Read-only access to everything in the provider's organization.
resource "pgcloud_org_role_binding" "auditor" {
  user_id = pgcloud_machine_user.auditor.id
  role    = "org_admin"
}

# A colleague, looked up by email, becomes an owner of the organization.
data "pgcloud_user" "alice" {
  email = "alice@example.com"
}

resource "pgcloud_org_role_binding" "alice" {
  user_id = data.pgcloud_user.alice.id
  role    = "org_owner"
}
