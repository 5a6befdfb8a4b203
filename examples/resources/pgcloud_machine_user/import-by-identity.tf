# Terraform 1.12 and later: the same machine user by its identity.
# organization_id may be left out for a machine user of the provider's
# organization.
import {
  to = pgcloud_machine_user.ci
  identity = {
    organization_id = "0a9e7c1b-6d2f-4f8a-b3c4-5e6d7f8a9b0c"
    id              = "6f1c0d52-3b8e-4e43-9a57-0c2f5d8e9b21"
  }
}
