# The machine users of the provider's organization whose username starts
# with "ci-". `terraform query` lists them; `terraform query
# -generate-config-out=generated.tf` writes an import block and a resource
# for each. Terraform stops at 100 results unless `limit` says otherwise.
list "pgcloud_machine_user" "ci" {
  provider = pgcloud
  limit    = 1000

  config {
    username_prefix = "ci-"
  }
}
