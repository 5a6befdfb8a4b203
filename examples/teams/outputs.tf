output "machine_user_ids" {
  description = "Machine user id of each team."
  value       = { for team, m in module.teams : team => m.machine_user_id }
}

output "access_key_ids" {
  description = "Id of each team's current access key."
  value       = { for team, m in module.teams : team => m.access_key_id }
}

# terraform output -json access_keys, to hand each team its key.
output "access_keys" {
  description = "Each team's access key (pgc_...)."
  value       = { for team, m in module.teams : team => m.access_key }
  sensitive   = true
}

output "database_users" {
  description = "Database usernames of each team."
  value       = { for team, m in module.teams : team => m.database_usernames }
}
