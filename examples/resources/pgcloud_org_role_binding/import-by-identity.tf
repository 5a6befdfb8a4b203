# Terraform 1.12 and later: the same binding by its identity.
import {
  to = pgcloud_org_role_binding.auditor
  identity = {
    organization_id = "0a9e7c1b-6d2f-4f8a-b3c4-5e6d7f8a9b0c"
    user_id         = "6f1c0d52-3b8e-4e43-9a57-0c2f5d8e9b21"
    role            = "org_admin"
  }
}
