variable "machine_user_id" {
  type = string
}

# The access keys of one machine user, expired ones included; each result is
# named by the key's name, its state and its expiry, such as
# "deploy (active, expires 2027-01-31T12:00:00Z)".
list "pgcloud_access_key" "deployer" {
  provider = pgcloud

  config {
    machine_user_id = var.machine_user_id
  }
}
