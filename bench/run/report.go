package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// report is everything one run measured; it is printed as a table and
// saved as JSON.
type report struct {
	Started      time.Time            `json:"started"`
	Machine      string               `json:"machine"`
	Parallelism  int                  `json:"parallelism"`
	Rounds       int                  `json:"rounds"` // of the machine users and the cluster users
	MachineUsers []machineUsersResult `json:"machine_users"`
	ClusterUsers []clusterUsersResult `json:"cluster_users,omitempty"`
	Teams        *teamsResult         `json:"teams,omitempty"`
	ServerLoad   []loadResult         `json:"server_load"`
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func mb(b int64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/1e6)
}

// msPer is the time of m per resource, in milliseconds.
func msPer(m measurement, n int) string { return fmt.Sprintf("%.2f", m.Seconds*1000/float64(n)) }

func (r *report) print(w io.Writer) {
	// A table on a terminal: a failed write has nowhere to be reported.
	printf := func(format string, a ...any) { _, _ = fmt.Fprintf(w, format, a...) }
	if len(r.MachineUsers) > 0 {
		printf("\n== machine users: pgcloud vs the framework floor vs terraform_data (%s, -parallelism=%d, median of %d rounds)\n", r.Machine, r.Parallelism, r.Rounds)
		printf("%6s  %-9s %9s %9s %9s  %12s  %12s  %s\n", "N", "phase", "pgcloud s", "floor s", "tf_data s",
			"pgcloud/floor", "ms/res pgc", "ms/res floor · tf_data")
		for _, m := range r.MachineUsers {
			for _, p := range []struct {
				name       string
				pg, fl, td measurement
			}{
				{"apply", m.Pgcloud.Apply, m.Floor.Apply, m.TerraformData.Apply},
				{"plan", m.Pgcloud.Plan, m.Floor.Plan, m.TerraformData.Plan},
				{"destroy", m.Pgcloud.Destroy, m.Floor.Destroy, m.TerraformData.Destroy},
			} {
				printf("%6d  %-9s %9.2f %9.2f %9.2f  %12s  %12s  %s · %s\n", m.N, p.name, p.pg.Seconds, p.fl.Seconds, p.td.Seconds,
					ratio(p.pg.Seconds, p.fl.Seconds), msPer(p.pg, m.N), msPer(p.fl, m.N), msPer(p.td, m.N))
			}
			pgPeak := max(m.Pgcloud.Apply.PeakRSSB, m.Pgcloud.Plan.PeakRSSB, m.Pgcloud.Destroy.PeakRSSB)
			flPeak := max(m.Floor.Apply.PeakRSSB, m.Floor.Plan.PeakRSSB, m.Floor.Destroy.PeakRSSB)
			printf("%6d  %-9s %9s %9s %9s  %12s   (provider process, largest VmHWM of the three phases)\n", m.N, "peak RSS",
				mb(pgPeak), mb(flPeak), "-", ratio(float64(pgPeak), float64(flPeak)))
		}

		printf("\n== processor time of the machine users' commands, s (medians): terraform with its providers, the provider alone, pgcloud-server\n")
		printf("%6s  %-9s %28s %20s %9s  %s\n", "N", "phase", "pgcloud: tf+prov · prov · srv", "floor: tf+prov · prov", "tf_data", "pgcloud − floor: tf+prov · prov · srv")
		for _, m := range r.MachineUsers {
			for _, p := range []struct {
				name       string
				pg, fl, td cpuSeconds
			}{
				{"apply", m.Pgcloud.Apply.CPU, m.Floor.Apply.CPU, m.TerraformData.Apply.CPU},
				{"plan", m.Pgcloud.Plan.CPU, m.Floor.Plan.CPU, m.TerraformData.Plan.CPU},
				{"destroy", m.Pgcloud.Destroy.CPU, m.Floor.Destroy.CPU, m.TerraformData.Destroy.CPU},
			} {
				printf("%6d  %-9s %8.2f · %6.2f · %6.2f %11.2f · %6.2f %9.2f  %+.2f · %+.2f · %+.2f\n", m.N, p.name,
					p.pg.Terraform, p.pg.Provider, p.pg.Server, p.fl.Terraform, p.fl.Provider, p.td.Terraform,
					p.pg.Terraform-p.fl.Terraform, p.pg.Provider-p.fl.Provider, p.pg.Server-p.fl.Server)
			}
		}
	}

	if len(r.ClusterUsers) > 0 {
		printf("\n== cluster users: pgcloud_postgres_cluster_user (password_wo) vs the framework floor vs cyrilgdn's postgresql_role, same PostgreSQL (median of %d rounds)\n", r.Rounds)
		printf("%6s  %-9s %9s %9s %9s  %12s  %12s  %10s  %s\n", "N", "phase", "pgcloud s", "floor s", "peer s",
			"pgcloud/peer", "pgcloud/floor", "floor/peer", "ms/res pgc · floor · peer")
		for _, c := range r.ClusterUsers {
			for _, p := range []struct {
				name       string
				pg, fl, pe measurement
			}{
				{"apply", c.Pgcloud.Apply, c.Floor.Apply, c.Peer.Apply},
				{"plan", c.Pgcloud.Plan, c.Floor.Plan, c.Peer.Plan},
				{"destroy", c.Pgcloud.Destroy, c.Floor.Destroy, c.Peer.Destroy},
			} {
				printf("%6d  %-9s %9.2f %9.2f %9.2f  %12s  %12s  %10s  %s · %s · %s\n", c.N, p.name, p.pg.Seconds, p.fl.Seconds, p.pe.Seconds,
					ratio(p.pg.Seconds, p.pe.Seconds), ratio(p.pg.Seconds, p.fl.Seconds), ratio(p.fl.Seconds, p.pe.Seconds),
					msPer(p.pg, c.N), msPer(p.fl, c.N), msPer(p.pe, c.N))
			}
		}
		printf("\n== processor time of the cluster users' commands, s (medians): terraform with its providers · the provider alone · pgcloud-server · PostgreSQL\n")
		printf("%6s  %-9s %37s %20s %29s\n", "N", "phase", "pgcloud", "floor", "peer")
		for _, c := range r.ClusterUsers {
			for _, p := range []struct {
				name       string
				pg, fl, pe cpuSeconds
			}{
				{"apply", c.Pgcloud.Apply.CPU, c.Floor.Apply.CPU, c.Peer.Apply.CPU},
				{"plan", c.Pgcloud.Plan.CPU, c.Floor.Plan.CPU, c.Peer.Plan.CPU},
				{"destroy", c.Pgcloud.Destroy.CPU, c.Floor.Destroy.CPU, c.Peer.Destroy.CPU},
			} {
				printf("%6d  %-9s %8.2f · %6.2f · %6.2f · %6.2f %11.2f · %6.2f %11.2f · %6.2f · %6.2f\n", c.N, p.name,
					p.pg.Terraform, p.pg.Provider, p.pg.Server, p.pg.Postgres, p.fl.Terraform, p.fl.Provider,
					p.pe.Terraform, p.pe.Provider, p.pe.Postgres)
			}
		}
	} else {
		printf("\n== cluster users vs cyrilgdn/postgresql: not run (set %s)\n", PeerSourceEnv)
	}

	if t := r.Teams; t != nil {
		printf("\n== mixed module: %d teams of examples/modules/machine-identity (%d resources)\n", t.Teams, t.Resources)
		printf("%-9s %9s  %s\n", "phase", "s", "ms/resource")
		for _, p := range []struct {
			name string
			m    measurement
		}{{"apply", t.Pgcloud.Apply}, {"plan", t.Pgcloud.Plan}, {"destroy", t.Pgcloud.Destroy}} {
			printf("%-9s %9.2f  %s\n", p.name, p.m.Seconds, msPer(p.m, t.Resources))
		}
	}

	printf("\n== server: authenticated GETs of one machine user and creates of machine users (load generator on the same machine)\n")
	printf("%-9s %-7s %7s %10s %9s %9s %7s %12s\n", "store", "op", "clients", "req/s", "p50 ms", "p99 ms", "errors", "server peak")
	for _, l := range r.ServerLoad {
		printf("%-9s %-7s %7d %10.0f %9.2f %9.2f %7d %12s\n", l.Store, l.Operation, l.Clients, l.PerSecond, l.P50Millis, l.P99Millis,
			l.Errors, mb(l.ServerPeak))
	}
}

// save writes the report as JSON into dir, named by its start time.
func (r *report) save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, r.Started.Format("20060102T150405Z")+".json")
	return path, writeJSON(path, r)
}
