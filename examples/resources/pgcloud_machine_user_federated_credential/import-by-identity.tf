# Terraform 1.12 and later: the same credential by its identity.
# organization_id may be left out for a machine user of the provider's
# organization.
import {
  to = pgcloud_machine_user_federated_credential.github
  identity = {
    machine_user_id = "6f1c0d52-3b8e-4e43-9a57-0c2f5d8e9b21"
    id              = "3d9f6a0e-2b1c-4f7e-8a5d-9c0b1e2f3a4b"
  }
}
