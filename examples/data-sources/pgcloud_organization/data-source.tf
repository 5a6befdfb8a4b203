# The organization of the provider's access key.
data "pgcloud_organization" "current" {}

output "organization" {
  value = "${data.pgcloud_organization.current.name} (${data.pgcloud_organization.current.id})"
}
