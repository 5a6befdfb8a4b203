variable "project_name" {
  type        = string
  description = "Project whose cluster holds the database user and on which the machine users get their roles."
}

variable "cluster_name" {
  type        = string
  description = "Name of the cluster, within the project, that holds the application's database user."
}

# From the CI's secret store (TF_VAR_orders_app_password) in the apply job
# only. An ephemeral variable is never written to the plan or the state; a
# saved plan remembers only that it was set, so `terraform apply tfplan`
# needs it set again, and the value given then is the one that counts. A
# plan job may therefore set any placeholder of a valid length: a write-only
# value is not part of the plan, and only password_wo_version decides whether
# the password is sent.
variable "orders_app_password" {
  type        = string
  description = "Password of the orders_app database user, 10-63 characters."
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = length(var.orders_app_password) >= 10 && length(var.orders_app_password) <= 63
    error_message = "The password must be 10 to 63 characters long."
  }
}

# Increment it (in a pull request) to set the password that the apply job is
# given now; the change shows in the plan, the password does not.
variable "orders_app_password_version" {
  type        = number
  description = "Version of orders_app_password; a new version sets the password again."
  default     = 1
}
