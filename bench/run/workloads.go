package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// phases are the figures of one configuration: a first apply, a plan that
// refreshes everything and finds nothing to change, and a destroy.
type phases struct {
	Apply   measurement `json:"apply"`
	Plan    measurement `json:"plan"`
	Destroy measurement `json:"destroy"`
}

// contender is one configuration measured beside others.
type contender struct {
	name string
	ws   *workspace
	into *phases
}

// sideBySide runs the contenders' applies one after another, then their
// plans, then their destroys, so that a drift of the machine's speed during
// the run touches each of them alike; and all that rounds times, each
// figure being the median of its rounds (the peak RSS: the largest), since
// one run on a shared VM can be off by a third.
func sideBySide(rounds int, cs ...contender) error {
	steps := []struct {
		args []string
		of   func(*phases) *measurement
		// noChanges: the step must find nothing to do (a plan of what
		// the apply made), or the figures compare different work.
		noChanges bool
	}{
		{[]string{"apply", "-auto-approve"}, func(p *phases) *measurement { return &p.Apply }, false},
		{[]string{"plan"}, func(p *phases) *measurement { return &p.Plan }, true},
		{[]string{"destroy", "-auto-approve"}, func(p *phases) *measurement { return &p.Destroy }, false},
	}
	for round := 1; round <= rounds; round++ {
		for _, step := range steps {
			for _, c := range cs {
				m, out, err := c.ws.run(step.args...)
				if err != nil {
					return fmt.Errorf("%s: %w", c.name, err)
				}
				if step.noChanges && !strings.Contains(out, "No changes.") {
					return fmt.Errorf("%s: the plan after the apply has changes:\n%s", c.name, tail(out, 40))
				}
				step.of(c.into).add(m)
				label := c.name
				if rounds > 1 {
					label = fmt.Sprintf("%s [%d/%d]", c.name, round, rounds)
				}
				fmt.Printf("    %-42s %-8s %7.2f s", label, step.args[0], m.Seconds)
				if m.PeakRSSB > 0 {
					fmt.Printf("   provider peak %6.1f MB", float64(m.PeakRSSB)/1e6)
				}
				fmt.Println()
			}
		}
	}
	return nil
}

type machineUsersResult struct {
	N             int    `json:"n"`
	Pgcloud       phases `json:"pgcloud_machine_user"`
	Floor         phases `json:"floor_machine_user"`
	TerraformData phases `json:"terraform_data"`
}

func benchMachineUsers(root string, base workspace, provider, floor string, n, rounds int) (machineUsersResult, error) {
	r := machineUsersResult{N: n}
	pg := base
	pg.providerBinary = provider
	pgWS, err := newWorkspace(root, fmt.Sprintf("machine-users-%d", n), fmt.Sprintf(`
terraform {
  required_providers {
    pgcloud = { source = "pgcloud/pgcloud" }
  }
}

resource "pgcloud_machine_user" "bench" {
  count    = %d
  username = "bench-%d-${count.index}"
}
`, n, n), pg)
	if err != nil {
		return r, err
	}
	fl := base
	fl.providerBinary = floor
	floorWS, err := newWorkspace(root, fmt.Sprintf("floor-%d", n), fmt.Sprintf(`
terraform {
  required_providers {
    floor = { source = "pgcloud/floor" }
  }
}

resource "floor_machine_user" "bench" {
  count    = %d
  username = "bench-%d-${count.index}"
}
`, n, n), fl)
	if err != nil {
		return r, err
	}
	dataWS, err := newWorkspace(root, fmt.Sprintf("terraform-data-%d", n), fmt.Sprintf(`
resource "terraform_data" "bench" {
  count = %d
  input = "bench-%d-${count.index}"
}
`, n, n), base)
	if err != nil {
		return r, err
	}
	return r, sideBySide(rounds,
		contender{"pgcloud_machine_user", pgWS, &r.Pgcloud},
		contender{"floor_machine_user (framework floor)", floorWS, &r.Floor},
		contender{"terraform_data (Terraform core)", dataWS, &r.TerraformData},
	)
}

type clusterUsersResult struct {
	N       int    `json:"n"`
	Pgcloud phases `json:"pgcloud_postgres_cluster_user"`
	// Floor is the same schema with no API call: what Terraform and the
	// framework cost for N cluster users, the least pgcloud's figures can
	// be, and so the least its ratio to the peer's can be.
	Floor phases `json:"floor_postgres_cluster_user"`
	Peer  phases `json:"postgresql_role"`
}

func benchClusterUsers(root string, base workspace, provider, floor, peer, clusterID, host, port, password string, n, rounds int) (clusterUsersResult, error) {
	r := clusterUsersResult{N: n}
	pg := base
	pg.providerBinary = provider
	pgWS, err := newWorkspace(root, fmt.Sprintf("cluster-users-%d", n), fmt.Sprintf(`
terraform {
  required_providers {
    pgcloud = { source = "pgcloud/pgcloud" }
  }
}

resource "pgcloud_postgres_cluster_user" "bench" {
  count               = %d
  cluster_id          = %q
  username            = "bench_pgc_%d_${count.index}"
  password_wo         = "bench-password-${count.index}"
  password_wo_version = 1
}
`, n, clusterID, n), pg)
	if err != nil {
		return r, err
	}
	fl := base
	fl.providerBinary = floor
	floorWS, err := newWorkspace(root, fmt.Sprintf("floor-cluster-users-%d", n), fmt.Sprintf(`
terraform {
  required_providers {
    floor = { source = "pgcloud/floor" }
  }
}

resource "floor_postgres_cluster_user" "bench" {
  count               = %d
  cluster_id          = %q
  username            = "bench_floor_%d_${count.index}"
  password_wo         = "bench-password-${count.index}"
  password_wo_version = 1
}
`, n, clusterID, n), fl)
	if err != nil {
		return r, err
	}
	pe := base
	pe.providerBinary = peer
	peerWS, err := newWorkspace(root, fmt.Sprintf("postgresql-roles-%d", n), fmt.Sprintf(`
terraform {
  required_providers {
    postgresql = { source = "cyrilgdn/postgresql" }
  }
}

provider "postgresql" {
  host      = %q
  port      = %s
  username  = "postgres"
  password  = %q
  sslmode   = "disable"
  superuser = true
}

resource "postgresql_role" "bench" {
  count    = %d
  name     = "bench_peer_%d_${count.index}"
  login    = true
  password = "bench-password-${count.index}"
}
`, host, port, password, n, n), pe)
	if err != nil {
		return r, err
	}
	return r, sideBySide(rounds,
		contender{"pgcloud_postgres_cluster_user", pgWS, &r.Pgcloud},
		contender{"floor_postgres_cluster_user (floor)", floorWS, &r.Floor},
		contender{"postgresql_role (cyrilgdn)", peerWS, &r.Peer},
	)
}

type teamsResult struct {
	Teams     int    `json:"teams"`
	Resources int    `json:"resources"`
	Pgcloud   phases `json:"pgcloud"`
}

// benchTeams applies examples/modules/machine-identity once per team: a
// machine user, an access key, two project role bindings and a cluster user.
func benchTeams(root string, base workspace, provider, clusterID string, teams int) (teamsResult, error) {
	r := teamsResult{Teams: teams, Resources: teams * 5}
	module, err := filepath.Abs("examples/modules/machine-identity")
	if err != nil {
		return r, err
	}
	if _, err := os.Stat(module); err != nil {
		return r, fmt.Errorf("the team module: %w (run the bench from the repository's root)", err)
	}
	ws := base
	ws.providerBinary = provider
	teamsWS, err := newWorkspace(root, fmt.Sprintf("teams-%d", teams), fmt.Sprintf(`
terraform {
  required_providers {
    pgcloud = { source = "pgcloud/pgcloud" }
  }
}

module "team" {
  source   = %q
  for_each = toset([for i in range(%d) : format("team%%04d", i)])

  name          = "bench-${each.key}"
  project_name  = "default"
  project_roles = ["project_viewer", "project_editor"]

  cluster_id         = %q
  database_users     = { "bench_${each.key}" = {} }
  database_passwords = { "bench_${each.key}" = "bench-password-${each.key}" }
}
`, module, teams, clusterID), ws)
	if err != nil {
		return r, err
	}
	// terraform get installs the module (init would look for the providers
	// in a registry; dev_overrides serve them).
	if _, _, err := teamsWS.run("get"); err != nil {
		return r, err
	}
	return r, sideBySide(1, contender{fmt.Sprintf("%d teams (%d resources)", teams, r.Resources), teamsWS, &r.Pgcloud})
}
