# A person, by email (a person's email is also their username).
data "pgcloud_user" "alice" {
  email = "alice@example.com"
}

# A machine user, by username.
data "pgcloud_user" "ci" {
  username = "ci-deployer"
}

# Any user, by id.
data "pgcloud_user" "by_id" {
  id = data.pgcloud_user.alice.id
}

output "alice" {
  value = "${data.pgcloud_user.alice.name} is a ${data.pgcloud_user.alice.type} user (${data.pgcloud_user.alice.id})"
}
