# <project_id>/<user_id>/<role>
import {
  to = pgcloud_project_role_binding.deployer
  id = "3c2b1a09-8f7e-4d6c-b5a4-9e8d7c6b5a43/6f1c0d52-3b8e-4e43-9a57-0c2f5d8e9b21/project_editor"
}
