# <cluster_id>/<username>; the username may itself contain "/".
# The password cannot be read back: it stays unknown to Terraform until the
# configuration next sets it (set password, or change password_wo_version).
terraform import pgcloud_postgres_cluster_user.orders_app 3f1c2a9e-5b7d-4c1e-9a2f-6d8e0b4c7a12/orders_app
