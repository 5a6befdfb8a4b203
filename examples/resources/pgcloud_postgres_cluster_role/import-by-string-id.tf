# <cluster_id>/<name>; the name may itself contain "/".
import {
  to = pgcloud_postgres_cluster_role.app_readers
  id = "3f1c2a9e-5b7d-4c1e-9a2f-6d8e0b4c7a12/app_readers"
}
