# A machine user managed elsewhere (another configuration, the console), by
# username.
data "pgcloud_machine_user" "ci" {
  username = "ci-deployer"
}

# The same machine user, by id.
data "pgcloud_machine_user" "ci_by_id" {
  id = data.pgcloud_machine_user.ci.id
}

output "ci_machine_user" {
  value = {
    id    = data.pgcloud_machine_user.ci.id
    name  = data.pgcloud_machine_user.ci.name
    email = data.pgcloud_machine_user.ci.email
  }
}
