resource "pgcloud_machine_user" "ci" {
  username = "ci-deployer"
}

# A key that rotates itself: 90 days of life, replaced by a new key once it is
# within 14 days of expiry. create_before_destroy makes the new key exist
# before the old one is deleted (a machine user holds up to 2 keys), and the
# generated name keeps the two keys' names apart.
resource "pgcloud_access_key" "ci" {
  machine_user_id    = pgcloud_machine_user.ci.id
  name_prefix        = "ci-"
  expires_in_days    = 90
  rotate_before_days = 14

  lifecycle {
    create_before_destroy = true
  }
}

# A key with a fixed name, replaced whenever the release changes.
resource "pgcloud_access_key" "release" {
  machine_user_id = pgcloud_machine_user.ci.id
  name            = "release-pipeline"
  expires_in_days = 30

  keepers = {
    release = "2026.11"
  }
}

# The secret is sensitive: hand it to what needs it, such as a CI secret store.
output "ci_access_key" {
  value     = pgcloud_access_key.ci.secret
  sensitive = true
}
