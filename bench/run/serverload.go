package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is one load run against the server: clients goroutines each
// sending requests back to back on a kept-alive connection for the run's
// duration, as fast as the answers come.
type loadResult struct {
	Store      string  `json:"store"`
	Operation  string  `json:"operation"` // "get" or "create"
	Clients    int     `json:"clients"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	PerSecond  float64 `json:"per_second"`
	P50Millis  float64 `json:"p50_ms"`
	P99Millis  float64 `json:"p99_ms"`
	ServerPeak int64   `json:"server_peak_rss_bytes"`
}

// loadServer sends requests made by next from clients goroutines for d and
// reports the rate and the latencies of the successful ones (status want).
func loadServer(clients int, d time.Duration, want int, next func(client, seq int) *http.Request) (requests, errors int, perSecond, p50, p99 float64) {
	transport := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    atomic.Int64
		wg        sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for seq := 0; time.Now().Before(deadline); seq++ {
				req := next(c, seq)
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				if err != nil || resp.StatusCode != want {
					failed.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	quantile := func(q float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(q*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	return len(latencies), int(failed.Load()), float64(len(latencies)) / elapsed.Seconds(), quantile(0.50), quantile(0.99)
}

// serverLoad measures authenticated GETs of one machine user and creates of
// machine users, each with every number of clients, against the server at
// endpoint (whose process is pid), and labels the results with store.
func serverLoad(endpoint, key, orgID string, pid int, store string, clientCounts []int, d time.Duration) ([]loadResult, error) {
	mu, err := createMachineUser(endpoint, key, orgID, fmt.Sprintf("load-target-%d", time.Now().UnixNano()))
	if err != nil {
		return nil, err
	}
	getURL := endpoint + "/api/v1/organizations/" + orgID + "/machine-users/" + mu
	var out []loadResult
	for _, clients := range clientCounts {
		n, failed, rate, p50, p99 := loadServer(clients, d, http.StatusOK, func(int, int) *http.Request {
			req, _ := http.NewRequest(http.MethodGet, getURL, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			return req
		})
		out = append(out, loadResult{Store: store, Operation: "get", Clients: clients, Requests: n, Errors: failed, PerSecond: rate,
			P50Millis: p50, P99Millis: p99, ServerPeak: statusKB(fmt.Sprintf("/proc/%d/status", pid), "VmHWM:") * 1024})
	}
	createURL := endpoint + "/api/v1/organizations/" + orgID + "/machine-users"
	run := time.Now().UnixNano()
	for _, clients := range clientCounts {
		n, failed, rate, p50, p99 := loadServer(clients, d, http.StatusCreated, func(c, seq int) *http.Request {
			body, _ := json.Marshal(map[string]string{"username": fmt.Sprintf("load-%d-%d-%d-%d", run, clients, c, seq)})
			req, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			return req
		})
		out = append(out, loadResult{Store: store, Operation: "create", Clients: clients, Requests: n, Errors: failed, PerSecond: rate,
			P50Millis: p50, P99Millis: p99, ServerPeak: statusKB(fmt.Sprintf("/proc/%d/status", pid), "VmHWM:") * 1024})
	}
	return out, nil
}

func createMachineUser(endpoint, key, orgID, username string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": username})
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/api/v1/organizations/"+orgID+"/machine-users", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	var created struct{ ID string }
	if err := doJSON(req, http.StatusCreated, &created); err != nil {
		return "", err
	}
	return created.ID, nil
}

// organizationOf is the organization of the access key key.
func organizationOf(endpoint, key string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, endpoint+"/api/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	var me struct {
		Organization struct{ ID string }
	}
	if err := doJSON(req, http.StatusOK, &me); err != nil {
		return "", err
	}
	if me.Organization.ID == "" {
		return "", fmt.Errorf("whoami names no organization")
	}
	return me.Organization.ID, nil
}

func doJSON(req *http.Request, want int, out any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}
