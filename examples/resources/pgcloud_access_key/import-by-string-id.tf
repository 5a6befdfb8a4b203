# A key of a machine user of a given organization:
# <organization_id>/<machine_user_id>/<key_id>. For a machine user of the
# provider's organization, <machine_user_id>/<key_id> works too.
import {
  to = pgcloud_access_key.ci
  id = "0a9e7c1b-6d2f-4f8a-b3c4-5e6d7f8a9b0c/6f1c0d52-3b8e-4e43-9a57-0c2f5d8e9b21/k3y1d0fexmpl"
}
