variable "teams" {
  type = map(object({
    description            = optional(string, "")
    email                  = optional(string)
    project_roles          = optional(set(string), ["project_viewer"])
    key_expires_in_days    = optional(number, 90)
    key_rotate_before_days = optional(number, 14)
    database_users = optional(map(object({
      password_version = optional(number, 1)
    })), {})
  }))
  description = "The teams, by a short name (the machine user is team-<name>). The module checks each team's settings at plan time."
  default = {
    payments = {
      description    = "Payments service: deploys and runs the payments database"
      project_roles  = ["project_editor"]
      database_users = { payments_app = {} }
    }
    analytics = {
      description    = "Analytics: reads the reporting replicas"
      database_users = { analytics_reader = {} }
    }
    ci = {
      description            = "CI pipeline of the platform team"
      project_roles          = ["project_editor", "project_viewer"]
      key_expires_in_days    = 30
      key_rotate_before_days = 7
    }
  }
}

variable "project_name" {
  type        = string
  description = "Project the teams' roles apply to."
  default     = "default"
}

variable "cluster_id" {
  type        = string
  description = "Id of the cluster of the teams' database users (see the pgcloud_postgres_cluster data source)."
  default     = null
}

variable "database_passwords" {
  type        = map(string)
  description = "Passwords of the teams' database users, by username (10-63 characters each), for example from TF_VAR_database_passwords in a pipeline. Never stored in the plan or the state."
  default     = {}
  sensitive   = true
  ephemeral   = true
}
