data "pgcloud_machine_user" "deployer" {
  username = "ci-deployer"
}

# A key that exists only while Terraform runs: opened during plan and apply,
# deleted at the end of each, never written to the plan or the state.
ephemeral "pgcloud_access_key" "deployer" {
  machine_user_id = data.pgcloud_machine_user.deployer.id
}

# Another provider configuration (here: a second pgcloud provider) works as
# the deployer machine user for the length of the run.
provider "pgcloud" {
  alias      = "deployer"
  access_key = ephemeral.pgcloud_access_key.deployer.secret
}

data "pgcloud_organization" "seen_by_deployer" {
  provider = pgcloud.deployer
}
