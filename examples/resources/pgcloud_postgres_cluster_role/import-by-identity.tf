# Terraform 1.12 and later: the same role by its identity.
import {
  to = pgcloud_postgres_cluster_role.app_readers
  identity = {
    cluster_id = "3f1c2a9e-5b7d-4c1e-9a2f-6d8e0b4c7a12"
    name       = "app_readers"
  }
}
