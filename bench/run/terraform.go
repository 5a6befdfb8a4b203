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
}

// measurement is one terraform command: its wall time and the peak
// resident memory (VmHWM) of the measured provider's processes. Terraform
// starts the provider more than once per command (schema, plan, apply); the
// peak is the largest of them.
type measurement struct {
	Seconds  float64   `json:"seconds"` // the median of Rounds
	PeakRSSB int64     `json:"peak_rss_bytes,omitempty"`
	Rounds   []float64 `json:"rounds_seconds"`
}

// add counts the figures of one more round.
func (m *measurement) add(round measurement) {
	m.Rounds = append(m.Rounds, round.Seconds)
	m.PeakRSSB = max(m.PeakRSSB, round.PeakRSSB)
	sorted := slices.Sorted(slices.Values(m.Rounds))
	if n := len(sorted); n%2 == 1 {
		m.Seconds = sorted[n/2]
	} else {
		m.Seconds = (sorted[n/2-1] + sorted[n/2]) / 2
	}
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
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	peak := sampler.stop()
	if err != nil {
		return measurement{}, "", fmt.Errorf("terraform %s in %s: %w\n%s", strings.Join(args, " "), w.dir, err, tail(out.String(), 40))
	}
	return measurement{Seconds: elapsed.Seconds(), PeakRSSB: peak}, out.String(), nil
}

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
type rssSampler struct {
	binary string
	done   chan struct{}
	wg     sync.WaitGroup
	peak   int64
}

const rssSampleInterval = 20 * time.Millisecond

func startRSSSampler(binary string) *rssSampler {
	s := &rssSampler{binary: binary, done: make(chan struct{})}
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
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || exe != s.binary {
			continue
		}
		if hwm := statusKB(filepath.Join("/proc", e.Name(), "status"), "VmHWM:"); hwm*1024 > s.peak {
			s.peak = hwm * 1024
		}
	}
}

func (s *rssSampler) stop() int64 {
	close(s.done)
	s.wg.Wait()
	return s.peak
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
