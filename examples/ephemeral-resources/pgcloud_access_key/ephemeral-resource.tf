data "pgcloud_machine_user" "deployer" {
  username = "ci-deployer"
}

# A session token that exists only while Terraform runs: opened during plan
# and apply, closed at the end of each, never written to the plan or the
# state. A run killed before the close leaves a token that blocks nothing and
# expires on its own after expires_in.
ephemeral "pgcloud_access_key" "deployer" {
  machine_user_id = data.pgcloud_machine_user.deployer.id
  expires_in      = "30m" # longer than the longest run; at most "24h"
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
