# Every role of the platform.
data "pgcloud_roles" "all" {}

# Only the roles a project binding takes.
data "pgcloud_roles" "project" {
  scope = "project"
}

output "project_roles" {
  value = data.pgcloud_roles.project.names
}

output "role_descriptions" {
  value = { for r in data.pgcloud_roles.all.roles : r.name => r.description }
}
