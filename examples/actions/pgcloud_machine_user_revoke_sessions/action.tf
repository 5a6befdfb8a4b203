data "pgcloud_machine_user" "deployer" {
  username = "ci-deployer"
}

# After a pipeline of the deployer leaked one of its session tokens, revoke
# them all at once; its access keys keep working:
#
#   terraform apply -invoke=action.pgcloud_machine_user_revoke_sessions.deployer
#
# Nothing is kept in state, and a plain `terraform apply` does not run it.
action "pgcloud_machine_user_revoke_sessions" "deployer" {
  config {
    machine_user_id = data.pgcloud_machine_user.deployer.id
  }
}
