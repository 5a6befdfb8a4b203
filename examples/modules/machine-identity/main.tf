# One team's machine identity on pgcloud: a machine user, one access key that
# rotates itself, the machine user's project roles, and optionally the team's
# database users on a cluster.

data "pgcloud_project" "this" {
  id   = var.project_id
  name = var.project_name
}

resource "pgcloud_machine_user" "this" {
  username    = var.name
  description = var.description
  email       = var.email
}

# Exactly one key: a machine user holds at most 2 unexpired keys, and a
# rotation needs both places, since create_before_destroy makes the new key
# before it deletes the old one. Keep other keys of this machine user out of
# the way (use the ephemeral pgcloud_access_key for short-lived credentials:
# session tokens do not count).
resource "pgcloud_access_key" "this" {
  machine_user_id    = pgcloud_machine_user.this.id
  name_prefix        = "machine-identity-"
  expires_in_days    = var.key_expires_in_days
  rotate_before_days = var.key_rotate_before_days

  lifecycle {
    create_before_destroy = true
  }
}

resource "pgcloud_project_role_binding" "this" {
  for_each = var.project_roles

  project_id = data.pgcloud_project.this.id
  user_id    = pgcloud_machine_user.this.id
  role       = each.value
}

resource "pgcloud_postgres_cluster_user" "this" {
  for_each = var.database_users

  cluster_id = var.cluster_id
  username   = each.key

  # Write-only: sent when the user is created or password_version changes,
  # never stored in the plan or the state.
  password_wo         = var.database_passwords[each.key]
  password_wo_version = each.value.password_version
}
