# <machine_user_id>/<credential_id> for a machine user of the provider's
# organization; <organization_id>/<machine_user_id>/<credential_id> works too.
import {
  to = pgcloud_machine_user_federated_credential.github
  id = "6f1c0d52-3b8e-4e43-9a57-0c2f5d8e9b21/3d9f6a0e-2b1c-4f7e-8a5d-9c0b1e2f3a4b"
}
