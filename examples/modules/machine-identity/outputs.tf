output "machine_user_id" {
  description = "Id of the machine user."
  value       = pgcloud_machine_user.this.id
}

output "username" {
  description = "Username of the machine user."
  value       = pgcloud_machine_user.this.username
}

output "project_id" {
  description = "Id of the project the roles are bound on."
  value       = data.pgcloud_project.this.id
}

output "project_roles" {
  description = "The machine user's project roles, sorted."
  value       = sort(keys(pgcloud_project_role_binding.this))
}

output "access_key_id" {
  description = "Id of the current access key; it changes when the key rotates."
  value       = pgcloud_access_key.this.id
}

output "access_key_masked" {
  description = "The access key with its secret part hidden, to recognise it in logs."
  value       = pgcloud_access_key.this.masked_key
}

output "access_key_expires_at" {
  description = "When the current access key expires (RFC 3339, UTC); it is replaced `key_rotate_before_days` earlier."
  value       = pgcloud_access_key.this.expires_at
}

output "access_key" {
  description = "The access key itself (`pgc_...`), for the team's secret store. Sensitive: it is in the state, so protect the state."
  value       = pgcloud_access_key.this.secret
  sensitive   = true
}

output "database_usernames" {
  description = "Usernames of the team's database users, sorted."
  value       = sort(keys(pgcloud_postgres_cluster_user.this))
}
