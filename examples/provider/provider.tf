terraform {
  required_providers {
    pgcloud = {
      source = "pgcloud/pgcloud"
    }
  }
}

# The endpoint and the access key are best taken from the environment, which
# keeps the key out of the configuration:
#
#   export PGCLOUD_ENDPOINT=https://pgcloud.example.com
#   export PGCLOUD_ACCESS_KEY=pgc_...
provider "pgcloud" {
  # Optional tuning; these are the defaults.
  max_retries     = 4
  request_timeout = "30s"
}
