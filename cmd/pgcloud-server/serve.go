package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server"
)

func serve(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("pgcloud-server serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "`address` to listen on; port 0 picks a free port")
	dataDir := fs.String("data-dir", "./pgcloud-data", "`directory` of the embedded store and the bootstrap access key")
	storeSpec := fs.String("store", "", "store other than the data directory's, e.g. sqlite:/path/file.db")
	serverKeyFile := fs.String("server-key-file", "", "`file` of the key that seals the clusters' DSNs in the store (default: server.key in the data directory, made on first start)")
	quota := fs.Int("machine-user-quota", server.DefaultMachineUserQuota, "machine users allowed per organization")
	rate := fs.Float64("rate-limit", 100, "requests per second allowed per access key; 0 = unlimited")
	burst := fs.Int("rate-burst", 200, "requests an access key may make at once above the rate")
	authFailureRate := fs.Float64("auth-failure-rate", 10, "requests with a missing or wrong access key allowed per second per client address; a negative value = unlimited")
	authFailureBurst := fs.Int("auth-failure-burst", 100, "such requests allowed at once above that rate")
	trustedProxies := fs.String("trusted-proxies", "", "comma-separated `CIDRs` of load balancers whose X-Forwarded-For names the client address")
	allowHTTPIssuers := fs.Bool("allow-http-issuers", false, "let federated credentials trust OIDC issuers at http://127.0.0.1, [::1] or localhost (tests and demos only; else https only)")
	oidcAudience := fs.String("oidc-audience", "", "the default `audience` of federated credentials, which ID tokens must carry in aud (default: the URL clients reach the server at, as the create request names it)")
	exchangeLifetime := fs.Duration("token-exchange-lifetime", server.DefaultExchangeLifetime, "how long a session token from the token exchange lives (at most 12h)")
	addrFile := fs.String("addr-file", "", "write the bound address (host:port) to this `file` once listening")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	keyLease := fs.Duration("unconfirmed-key-lease", server.DefaultUnconfirmedKeyLease,
		"how long an access key created with requireConfirmation works for nobody and waits for its confirmation before it is deleted")
	shutdownTimeout := fs.Duration("shutdown-timeout", 15*time.Second, "how long to let requests in flight finish on SIGTERM/SIGINT")
	cpuProfile := fs.String("cpu-profile", "", "write a CPU profile of the server's life to this `file` at shutdown, for go tool pprof (make bench -profile-dir)")
	addEnvUsage(fs)
	rest, err := parse(fs, args, getenv, true)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErr(stderr, "serve takes no arguments, got %q", rest)
	}
	if *quota < 1 {
		return usageErr(stderr, "--machine-user-quota must be 1 or more, got %d", *quota)
	}
	if *keyLease <= 0 {
		return usageErr(stderr, "--unconfirmed-key-lease must be positive, got %s", *keyLease)
	}
	if *rate < 0 || *burst < 0 {
		return usageErr(stderr, "--rate-limit and --rate-burst must be 0 or more")
	}
	if *authFailureRate == 0 || *authFailureBurst < 0 {
		return usageErr(stderr, "--auth-failure-rate must not be 0 (a negative value turns the limit off) and --auth-failure-burst must be 0 or more")
	}
	if *exchangeLifetime < time.Minute || *exchangeLifetime > server.MaxExchangeLifetime {
		return usageErr(stderr, "--token-exchange-lifetime must be from 1m to 12h, got %v", *exchangeLifetime)
	}
	var proxies []netip.Prefix
	for _, cidr := range strings.Split(*trustedProxies, ",") {
		if cidr = strings.TrimSpace(cidr); cidr == "" {
			continue
		}
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return usageErr(stderr, "--trusted-proxies: %q is not a CIDR such as 10.0.0.0/8", cidr)
		}
		proxies = append(proxies, p)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageErr(stderr, "--log-level: %v", err)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}

	// A stale address file from an earlier run must not send a script to a
	// port nobody listens on: remove it now, write it once listening.
	if *addrFile != "" {
		if err := os.Remove(*addrFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove old address file: %w", err)
		}
	}

	srv, err := server.New(ctx, server.Config{
		DataDir:             *dataDir,
		Store:               *storeSpec,
		ServerKeyFile:       *serverKeyFile,
		ServerKey:           getenv(server.ServerKeyEnv),
		MachineUserQuota:    *quota,
		UnconfirmedKeyLease: *keyLease,
		RateLimit:           *rate,
		RateBurst:           *burst,
		AuthFailureRate:     *authFailureRate,
		AuthFailureBurst:    *authFailureBurst,
		TrustedProxies:      proxies,
		AllowHTTPIssuers:    *allowHTTPIssuers,
		OIDCAudience:        *oidcAudience,
		ExchangeLifetime:    *exchangeLifetime,
		Logger:              logger,
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Close(); err != nil {
			logger.Error("closing the store", "error", err.Error())
		}
	}()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()

	addr := ln.Addr().String()
	logger.Info("listening", "addr", addr, "data_dir", *dataDir)
	if *addrFile != "" {
		if err := writeFileAtomic(*addrFile, addr+"\n"); err != nil {
			_ = httpSrv.Close()
			return fmt.Errorf("write address file: %w", err)
		}
		defer func() { _ = os.Remove(*addrFile) }()
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		logger.Warn("requests still running at the shutdown timeout were cut off", "error", err.Error())
		_ = httpSrv.Close()
	}
	logger.Info("stopped")
	return nil
}

// startCPUProfile profiles the process until stop, into path.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close() // the profile's error is the one to report
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// writeFileAtomic writes content to path via a rename, so that a script
// polling for the file never reads half of it.
func writeFileAtomic(path, content string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(f.Name()) }() // after the rename, a no-op
	if _, err := f.WriteString(content); err != nil {
		_ = f.Close() // the write's error is the one to report
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
