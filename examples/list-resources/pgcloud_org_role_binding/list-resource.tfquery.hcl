# Who holds org_owner in the provider's organization.
list "pgcloud_org_role_binding" "owners" {
  provider = pgcloud

  config {
    role = "org_owner"
  }
}

# Every organization role of one user.
list "pgcloud_org_role_binding" "of_deployer" {
  provider = pgcloud

  config {
    user_id = "3b9e1f4a-7c2d-4e8b-9a6f-1d2c3b4a5e6f"
  }
}
