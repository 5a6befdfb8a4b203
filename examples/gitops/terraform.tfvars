# Settings that are not secret live in the repository, beside the
# configuration, and change through pull requests like everything else.
project_name = "default"
cluster_name = "orders"
