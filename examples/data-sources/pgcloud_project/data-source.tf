# A project of the provider's organization, by name.
data "pgcloud_project" "default" {
  name = "default"
}

# The same project, by id.
data "pgcloud_project" "by_id" {
  id = data.pgcloud_project.default.id
}

output "default_project_id" {
  value = data.pgcloud_project.default.id
}
