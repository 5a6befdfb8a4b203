terraform {
  # 1.11: write-only arguments (password_wo) and ephemeral input variables;
  # validation rules that refer to other variables need 1.9.
  required_version = ">= 1.11"

  required_providers {
    pgcloud = {
      source  = "pgcloud/pgcloud"
      version = "~> 0.1"
    }
  }
}
