# Adopting machine identities made by hand: see the guide "Migrating existing
# users to Terraform". The configuration starts with the provider alone;
# `terraform query -generate-config-out=generated.tf` writes the rest from
# what users.tfquery.hcl finds.
#
# The provider reads PGCLOUD_ENDPOINT and PGCLOUD_ACCESS_KEY from the
# environment. terraform query needs Terraform 1.14 or later.
terraform {
  required_version = ">= 1.14"

  required_providers {
    pgcloud = {
      source  = "pgcloud/pgcloud"
      version = "~> 0.1"
    }
  }
}

provider "pgcloud" {}
