# A federated credential of a machine user of a given organization:
# <organization_id>/<machine_user_id>/<credential_id>
terraform import pgcloud_machine_user_federated_credential.github 0a9e7c1b-6d2f-4f8a-b3c4-5e6d7f8a9b0c/6f1c0d52-3b8e-4e43-9a57-0c2f5d8e9b21/3d9f6a0e-2b1c-4f7e-8a5d-9c0b1e2f3a4b

# A federated credential of a machine user of the provider's default
# organization: <machine_user_id>/<credential_id>
terraform import pgcloud_machine_user_federated_credential.github 6f1c0d52-3b8e-4e43-9a57-0c2f5d8e9b21/3d9f6a0e-2b1c-4f7e-8a5d-9c0b1e2f3a4b
