# The inputs of one team's machine identity. Every rule the platform enforces
# that the inputs alone can break is checked here too, so a caller gets the
# error, naming the module's variable, at plan time (and before any provider
# call).

variable "name" {
  type        = string
  description = "Username of the team's machine user, unique in the organization: 1-200 characters, no whitespace, control or invisible characters, and none of `+`, `=` and `@`. Changing it renames the machine user in place (its id, key and role bindings stay)."
  nullable    = false

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 200
    error_message = "name must be 1-200 characters long."
  }

  validation {
    condition     = can(regex("^[^\\p{Z}\\p{Cc}\\p{Cf}+=@]*$", var.name))
    error_message = "name must not contain whitespace, control or invisible formatting characters, or the characters '+', '=' and '@': the platform refuses such a username. Use letters, digits, '.', '_' or '-'."
  }
}

variable "description" {
  type        = string
  description = "What the machine user is for, at most 500 characters."
  default     = ""
  nullable    = false

  validation {
    condition     = length(var.description) <= 500
    error_message = "description must be at most 500 characters long."
  }
}

variable "email" {
  type        = string
  description = "Contact address of the owning team, such as its mailing list. Optional."
  default     = null

  validation {
    # A first check of the address; the provider applies the platform's full rule.
    condition     = var.email == null || try(length(var.email) <= 254 && can(regex("^[^\\s@<>]+@[^\\s@<>]+$", var.email)), false)
    error_message = "email must be a bare address such as team@example.com (no display name, no angle brackets, at most 254 characters)."
  }
}

variable "project_id" {
  type        = string
  description = "Id of the project the team's roles apply to. Set exactly one of `project_id` and `project_name`."
  default     = null
}

variable "project_name" {
  type        = string
  description = "Name of the project the team's roles apply to, looked up in the provider's organization. Set exactly one of `project_id` and `project_name`."
  default     = null

  validation {
    condition     = (var.project_id == null) != (var.project_name == null)
    error_message = "Set exactly one of project_id and project_name."
  }
}

variable "project_roles" {
  type        = set(string)
  description = "Project roles of the machine user on the project: any of `project_owner`, `project_editor` (manages the users of the project's clusters) and `project_viewer` (reads). Organization roles are not granted by this module."
  default     = ["project_viewer"]
  nullable    = false

  validation {
    # The platform's project roles, as the pgcloud_roles data source lists them
    # with scope = "project".
    condition     = alltrue([for r in var.project_roles : contains(["project_owner", "project_editor", "project_viewer"], r)])
    error_message = "project_roles may only hold project roles: project_owner, project_editor, project_viewer. Organization roles (org_owner, org_admin) are bound with pgcloud_org_role_binding, outside this module."
  }
}

variable "key_expires_in_days" {
  type        = number
  description = "Lifetime of the machine user's access key in days, 1-365. Changing it replaces the key (the new one is created before the old one is deleted)."
  default     = 90
  nullable    = false

  validation {
    condition     = var.key_expires_in_days >= 1 && var.key_expires_in_days <= 365 && floor(var.key_expires_in_days) == var.key_expires_in_days
    error_message = "key_expires_in_days must be a whole number of days from 1 to 365: the platform refuses any other key lifetime."
  }
}

variable "key_rotate_before_days" {
  type        = number
  description = "Rotation window in days: once the access key is within this many days of its expiry, the next plan replaces it with a new key, created before the old one is deleted. Must be at least 1 and less than `key_expires_in_days`; pick a window longer than the time between two runs of Terraform."
  default     = 14
  nullable    = false

  validation {
    condition     = var.key_rotate_before_days >= 1 && floor(var.key_rotate_before_days) == var.key_rotate_before_days
    error_message = "key_rotate_before_days must be a whole number of days, at least 1."
  }

  validation {
    condition     = var.key_rotate_before_days < var.key_expires_in_days
    error_message = "key_rotate_before_days must be less than key_expires_in_days: otherwise the key is due for rotation as soon as it is created, and every plan replaces it."
  }
}

variable "cluster_id" {
  type        = string
  description = "Id of the PostgreSQL cluster of the team's database users. Required when `database_users` is not empty."
  default     = null

  validation {
    condition     = var.cluster_id != null || length(var.database_users) == 0
    error_message = "database_users need a cluster: set cluster_id."
  }
}

variable "database_users" {
  type = map(object({
    password_version = optional(number, 1)
  }))
  description = "Database users (login roles) to create on `cluster_id`, by username, each with the version of its password: increment `password_version` together with the password in `database_passwords` to set a new one. Usernames follow this module's convention: lowercase letters, digits and `_`, starting with a letter or `_`, at most 63 characters, not `postgres`, `admin`, `standby` or `pgcloud_managed`, not starting with `pg_`."
  default     = {}
  nullable    = false

  validation {
    # Stricter than the platform (which quotes any name): names that never
    # need quoting in SQL, and whose length in characters is their length in
    # bytes, which PostgreSQL limits to 63.
    condition     = alltrue([for u in keys(var.database_users) : can(regex("^[a-z_][a-z0-9_]{0,62}$", u))])
    error_message = "database_users: each username must be 1-63 lowercase letters, digits or '_', starting with a letter or '_'."
  }

  validation {
    condition     = alltrue([for u in keys(var.database_users) : !startswith(u, "pg_") && !contains(["postgres", "admin", "standby", "pgcloud_managed"], u)])
    error_message = "database_users: postgres, admin, standby and pgcloud_managed are reserved, and names starting with pg_ belong to PostgreSQL."
  }

  validation {
    condition     = alltrue([for u in values(var.database_users) : u.password_version >= 1 && floor(u.password_version) == u.password_version])
    error_message = "database_users: password_version must be a whole number, at least 1."
  }
}

variable "database_passwords" {
  type        = map(string)
  description = "Passwords of the database users, by username, 10-63 characters each. Ephemeral and write-only: they reach the platform (which hands PostgreSQL only a SCRAM-SHA-256 verifier) and never Terraform's plan or state."
  default     = {}
  nullable    = false
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = alltrue([for u in keys(var.database_users) : contains(keys(var.database_passwords), u)])
    error_message = "database_passwords must hold a password for every user in database_users."
  }

  validation {
    condition     = alltrue([for p in values(var.database_passwords) : length(p) >= 10 && length(p) <= 63])
    error_message = "database_passwords: each password must be 10-63 characters long."
  }
}
