variable "project_id" {
  type = string
}

# Every role binding of a project.
list "pgcloud_project_role_binding" "all" {
  provider = pgcloud

  config {
    project_id = var.project_id
  }
}

# Only the editors of the project.
list "pgcloud_project_role_binding" "editors" {
  provider = pgcloud

  config {
    project_id = var.project_id
    role       = "project_editor"
  }
}
