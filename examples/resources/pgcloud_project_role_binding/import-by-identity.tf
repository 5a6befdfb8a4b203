# Terraform 1.12 and later: the same binding by its identity.
import {
  to = pgcloud_project_role_binding.deployer
  identity = {
    project_id = "3c2b1a09-8f7e-4d6c-b5a4-9e8d7c6b5a43"
    user_id    = "6f1c0d52-3b8e-4e43-9a57-0c2f5d8e9b21"
    role       = "project_editor"
  }
}
