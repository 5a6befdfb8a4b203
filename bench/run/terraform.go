package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// workspace is a directory with one root module that the real terraform
// CLI plans, applies and destroys, with the providers under test found
// through dev_overrides (no registry, no terraform init).
type workspace struct {
	dir       string
	terraform string
	env       []string
	// providerBinary is the absolute path of the plugin whose peak memory
	// is measured; "" for a configuration of built-ins only.
	providerBinary string
	parallelism    int
	// serverPID is pgcloud-server's process, whose processor time each
	// command reports beside terraform's and the provider's.
	serverPID int
	// postgresPID is the postmaster of the PostgreSQL the cluster users
	// live in, whose processor time (with its backends') each command
	// reports too: pgcloud's creates and the peer's both spend it there.
	postgresPID int
}

// measurement is one terraform command: its wall time and the peak
// resident memory (VmHWM) of the measured provider's processes. Terraform
// starts the provider more than once per command (schema, plan, apply); the
// peak is the largest of them.
type measurement struct {
	Seconds  float64      `json:"seconds"` // the median of Rounds
	PeakRSSB int64        `json:"peak_rss_bytes,omitempty"`
	Rounds   []float64    `json:"rounds_seconds"`
	CPU      cpuSeconds   `json:"cpu_seconds"` // each field the median of CPURounds'
	CPURound []cpuSeconds `json:"cpu_rounds_seconds"`
}

// cpuSeconds is the processor time (user and system) one command took,
// split by process, to show where a difference in wall time comes from
// when all of them share the same cores.
type cpuSeconds struct {
	// Terraform is terraform and every process it started and waited for,
	// the providers included (getrusage of the bench's children).
	Terraform float64 `json:"terraform_and_providers"`
	// Provider is the measured provider's processes alone, from the last
	// /proc sample of each: within one sample interval of the true figure.
	Provider float64 `json:"provider"`
	// Server is pgcloud-server's, over the command.
	Server float64 `json:"server"`
	// Postgres is the PostgreSQL's of the cluster users, over the command.
	Postgres float64 `json:"postgres"`
}

// add counts the figures of one more round.
func (m *measurement) add(round measurement) {
	m.Rounds = append(m.Rounds, round.Seconds)
	m.PeakRSSB = max(m.PeakRSSB, round.PeakRSSB)
	m.Seconds = median(m.Rounds)
	m.CPURound = append(m.CPURound, round.CPU)
	field := func(of func(cpuSeconds) float64) float64 {
		var all []float64
		for _, c := range m.CPURound {
			all = append(all, of(c))
		}
		return median(all)
	}
	m.CPU = cpuSeconds{
		Terraform: field(func(c cpuSeconds) float64 { return c.Terraform }),
		Provider:  field(func(c cpuSeconds) float64 { return c.Provider }),
		Server:    field(func(c cpuSeconds) float64 { return c.Server }),
		Postgres:  field(func(c cpuSeconds) float64 { return c.Postgres }),
	}
}

func median(xs []float64) float64 {
	sorted := slices.Sorted(slices.Values(xs))
	if n := len(sorted); n%2 == 1 {
		return sorted[n/2]
	} else if n > 0 {
		return (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return 0
}

// cliConfig writes a Terraform CLI configuration whose dev_overrides send
// each provider source to the directory holding its binary.
func cliConfig(path string, overrides map[string]string) error {
	var b strings.Builder
	b.WriteString("provider_installation {\n  dev_overrides {\n")
	for source, dir := range overrides {
		fmt.Fprintf(&b, "    %q = %q\n", source, dir)
	}
	b.WriteString("  }\n  direct {}\n}\n")
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

func newWorkspace(root, name, config string, w workspace) (*workspace, error) {
	w.dir = filepath.Join(root, name)
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	return &w, nil
}

// run runs one terraform command, timed, while sampling the provider's
// memory, and returns its output too. It fails with terraform's output when
// terraform fails.
func (w *workspace) run(args ...string) (measurement, string, error) {
	full := append(args, "-no-color")
	if args[0] != "get" {
		full = append(full, "-input=false", fmt.Sprintf("-parallelism=%d", w.parallelism))
	}
	cmd := exec.Command(w.terraform, full...)
	cmd.Dir = w.dir
	cmd.Env = w.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	sampler := startRSSSampler(w.providerBinary)
	childrenBefore, serverBefore, postgresBefore := childrenCPU(), processCPU(w.serverPID), postgresCPU(w.postgresPID)
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	peak, providerCPU := sampler.stop()
	cpu := cpuSeconds{Terraform: childrenCPU() - childrenBefore, Provider: providerCPU, Server: processCPU(w.serverPID) - serverBefore,
		Postgres: postgresCPU(w.postgresPID) - postgresBefore}
	if err != nil {
		return measurement{}, "", fmt.Errorf("terraform %s in %s: %w\n%s", strings.Join(args, " "), w.dir, err, tail(out.String(), 40))
	}
	return measurement{Seconds: elapsed.Seconds(), PeakRSSB: peak, CPU: cpu}, out.String(), nil
}

// childrenCPU is the processor time of every child of the bench that has
// ended and been waited for, with their own children: after a terraform
// command, that includes the providers terraform started.
func childrenCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return seconds(ru.Utime) + seconds(ru.Stime)
}

func seconds(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// processCPU is the processor time a running process has used so far, from
// /proc/PID/stat (utime and stime, in clock ticks); 0 for pid 0 or a
// process that is gone.
func processCPU(pid int) float64 {
	own, _ := processTimes(pid)
	return own
}

// postgresCPU is the processor time a PostgreSQL has used so far: its
// postmaster's, that of the backends which have exited (the postmaster
// reaps them: its cutime and cstime), and that of those still running. A
// backend that exits between the two reads is off by its own time.
func postgresCPU(postmaster int) float64 {
	own, reaped := processTimes(postmaster)
	total := own + reaped
	children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", postmaster, postmaster))
	for _, f := range strings.Fields(string(children)) {
		if pid, err := strconv.Atoi(f); err == nil {
			total += processCPU(pid)
		}
	}
	return total
}

// processTimes reads /proc/PID/stat: the process's own processor time
// (utime and stime) and that of its children it has waited for (cutime and
// cstime), in seconds; 0s for pid 0 or a process that is gone.
func processTimes(pid int) (own, reaped float64) {
	if pid == 0 {
		return 0, 0
	}
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0
	}
	// The command name, in parentheses, may hold spaces: count the fields
	// after its closing parenthesis, where state is field 3.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, 0
	}
	fields := strings.Fields(string(raw[i+1:]))
	if len(fields) < 15 {
		return 0, 0
	}
	ticks := func(i int) float64 {
		v, _ := strconv.ParseFloat(fields[i], 64)
		return v / clockTicksPerSecond
	}
	// Fields 14 to 17: utime, stime, cutime, cstime.
	return ticks(11) + ticks(12), ticks(13) + ticks(14)
}

// clockTicksPerSecond is USER_HZ, the unit of /proc/PID/stat's times: 100 on
// every Linux the bench runs on (sysconf(_SC_CLK_TCK) needs cgo).
const clockTicksPerSecond = 100

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// rssSampler polls /proc every few milliseconds for processes running
// binary and keeps the largest VmHWM (the kernel's own peak of each
// process's resident memory) it saw. A process's VmHWM only grows, so the
// last sample before it exits is within one interval of its true peak.
// It also keeps the last processor time seen of each such process.
type rssSampler struct {
	binary string
	done   chan struct{}
	wg     sync.WaitGroup
	peak   int64
	cpu    map[int]float64
}

const rssSampleInterval = 20 * time.Millisecond

func startRSSSampler(binary string) *rssSampler {
	s := &rssSampler{binary: binary, done: make(chan struct{}), cpu: map[int]float64{}}
	if binary == "" {
		return s
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(rssSampleInterval)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) sample() {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || exe != s.binary {
			continue
		}
		if hwm := statusKB(filepath.Join("/proc", e.Name(), "status"), "VmHWM:"); hwm*1024 > s.peak {
			s.peak = hwm * 1024
		}
		if cpu := processCPU(pid); cpu > 0 {
			s.cpu[pid] = cpu
		}
	}
}

// stop ends the sampling and returns the peak VmHWM and the processor time
// of all the processes seen.
func (s *rssSampler) stop() (peak int64, cpu float64) {
	close(s.done)
	s.wg.Wait()
	for _, c := range s.cpu {
		cpu += c
	}
	return s.peak, cpu
}

// statusKB reads a "Field:   1234 kB" line of a /proc status file; 0 when
// it is not there.
func statusKB(path, field string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, field); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
