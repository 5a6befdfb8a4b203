package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// server is a pgcloud-server process with its bootstrap org_owner key.
type server struct {
	bin, dataDir string
	cmd          *exec.Cmd
	endpoint     string
	key          string
	orgID        string
	exited       chan struct{}
}

// startServer starts pgcloud-server on a free loopback port with the data
// directory dataDir and, when storeDSN is set, that PostgreSQL store. No
// rate limit: the bench measures what the server can do, and the
// provider's pacing is not what is measured. The machine user quota is
// raised past what the bench creates. A cpuProfile file gets the server's
// CPU profile when it stops.
func startServer(bin, dataDir, storeDSN, cpuProfile string) (*server, error) {
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o700); err != nil {
		return nil, err
	}
	addrFile := dataDir + ".addr"
	log, err := os.Create(dataDir + ".log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--addr-file", addrFile,
		"--rate-limit", "0", "--machine-user-quota", "1000000", "--log-level", "warn")
	if cpuProfile != "" {
		cmd.Args = append(cmd.Args, "--cpu-profile", cpuProfile)
	}
	cmd.Env = cleanEnv()
	if storeDSN != "" {
		// Through the environment: a DSN with a password stays out of the
		// process list.
		cmd.Env = append(cmd.Env, "PGCLOUD_SERVER_STORE="+storeDSN)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{bin: bin, dataDir: dataDir, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.exited); _ = log.Close() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && len(bytes.TrimSpace(b)) > 0 {
			s.endpoint = "http://" + strings.TrimSpace(string(b))
			break
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("pgcloud-server exited; its log is %s.log", dataDir)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("pgcloud-server did not listen within 30 s; its log is %s.log", dataDir)
		}
	}
	key, err := os.ReadFile(filepath.Join(dataDir, "bootstrap-access-key"))
	if err != nil {
		s.stop()
		return nil, err
	}
	s.key = strings.TrimSpace(string(key))
	if s.orgID, err = organizationOf(s.endpoint, s.key); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// addCluster registers the PostgreSQL of the superuser DSN dsn as cluster
// "bench" of project "default", with the operator's admin command.
func (s *server) addCluster(dsn string) (string, error) {
	cmd := exec.Command(s.bin, "admin", "--data-dir", s.dataDir, "cluster", "add", "--project", "default", "--name", "bench")
	cmd.Env = append(cleanEnv(), "PGCLOUD_CLUSTER_DSN="+dsn)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("register the cluster: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// stop ends the server with SIGTERM (a graceful shutdown), then SIGKILL.
func (s *server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}
