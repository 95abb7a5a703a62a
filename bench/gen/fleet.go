// The fleet measurement (-fleet-role): several server nodes share one bus, each with its own
// generator process (one process cannot hold more clients than its file limit). The lead generator
// is connected to the node that runs the upstream; it pushes USD prices through that node's fake
// mempool instance (POST /price?currency=USD&value=P, P = base + 10·seq, clearing the server's
// 2-USD threshold) and every v1 client of every node must receive {"bitcoin":P}. The generators
// share one machine and its clock: followers keep absolute kernel receive times per price and
// hand them to the lead through files in -fleet-dir; the lead reports the time until the last
// client of the whole fleet had each price.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

var (
	fFleetRole = flag.String("fleet-role", "", "lead | follow: one generator per node of a fleet (see fleet.go); the lead pushes prices through -port's upstream")
	fFleetDir  = flag.String("fleet-dir", "", "with -fleet-role: directory the generators of one fleet run share")
	fFleetK    = flag.Int("fleet-followers", 0, "with -fleet-role lead: how many followers to wait for")
	fV1Price   = flag.Int64("v1price", 100000, "with -fleet-role: price base: the lead's n-th price is base + 10·n USD")
	fFleetWait = flag.Duration("fleet-wait", 10*time.Minute, "with -fleet-role: longest wait for the other generators")
)

var bitcoinTag = []byte(`{"bitcoin":`)

// fleetData takes {"bitcoin":P} frames of this run; the welcome frames are foreign.
func (r *reader) fleetData(c *conn, p []byte, now, kts int64) {
	if bytes.HasPrefix(p, bitcoinTag) {
		v, j := parseUint(p, len(bitcoinTag))
		if d := v - *fV1Price; v > 0 && d > 0 && d%10 == 0 && d/10 < maxSeq && j == len(p)-1 && p[j] == '}' {
			r.record(c, d/10, 0, now, kts, true)
			return
		}
	}
	atomic.AddInt64(&foreign, 1)
}

// fleetReport is what a follower hands to the lead: per seq, how many of its clients had it and
// the latest kernel receive time (unix ns).
type fleetReport struct {
	Port    int     `json:"port"`
	Clients int64   `json:"clients"`
	First   int64   `json:"first"`
	Count   []int32 `json:"count"`
	LastNs  []int64 `json:"last_kern_unix_ns"`
}

type fleetResult struct {
	Nodes        int       `json:"nodes"`
	Clients      int64     `json:"clients"`
	Broadcasts   int       `json:"price_changes"`
	AllDelivered bool      `json:"all_delivered"`
	Missing      int64     `json:"missing_deliveries"`
	LastMs       []float64 `json:"kern_last_per_change_ms"`
	LastMedms    float64   `json:"kern_last_median_ms"`
	LastMinms    float64   `json:"kern_last_min_ms"`
	LastMaxms    float64   `json:"kern_last_max_ms"`
	LeadLastMed  float64   `json:"lead_node_kern_last_median_ms"`
}

func fleetFile(name string) string { return filepath.Join(*fFleetDir, name) }

func writeFleetFile(name string, b []byte) {
	tmp := fleetFile("." + name)
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		fatal("fleet: %v", err)
	}
	if err := os.Rename(tmp, fleetFile(name)); err != nil {
		fatal("fleet: %v", err)
	}
}

// waitFiles waits until n files match pattern in -fleet-dir and returns them.
func waitFiles(pattern string, n int) []string {
	dl := time.Now().Add(*fFleetWait)
	for {
		m, _ := filepath.Glob(fleetFile(pattern))
		if len(m) >= n {
			return m
		}
		if time.Now().After(dl) {
			fatal("fleet: %d of %d %s files after %v", len(m), n, pattern, *fFleetWait)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func fleetTest() *fleetResult {
	warm, count := *fWarm, *fLat
	*fWarm, *fLat, *fBurst, *fLadder, *fRates = 0, 0, 0, "", ""
	if *fFleetDir == "" {
		fatal("-fleet-role needs -fleet-dir")
	}
	clients := atomic.LoadInt64(&live)
	writeFleetFile(fmt.Sprintf("ready-%d", *fPort), []byte(strconv.FormatInt(clients, 10)))
	switch *fFleetRole {
	case "follow":
		fleetFollow(clients)
		return nil
	case "lead":
		return fleetLead(clients, warm, count)
	}
	fatal("-fleet-role must be lead or follow")
	return nil
}

func fleetFollow(clients int64) {
	done := waitFiles("done", 1)[0]
	b, err := os.ReadFile(done)
	if err != nil {
		fatal("fleet: %v", err)
	}
	var first, last int64
	if _, err := fmt.Sscan(string(b), &first, &last); err != nil || first < 1 || last < first {
		fatal("fleet: bad done file %q", b)
	}
	if !waitDelivered(first, last, *fTimeout) {
		fmt.Printf("fleet: not every price reached all %d clients of this node\n", clients)
	}
	rep := fleetReport{Port: *fPort, Clients: atomic.LoadInt64(&live), First: first}
	for s := first; s <= last; s++ {
		rep.Count = append(rep.Count, atomic.LoadInt32(&seqCnt[s]))
		rep.LastNs = append(rep.LastNs, atomic.LoadInt64(&seqMaxK[s]))
	}
	j, _ := json.Marshal(rep)
	writeFleetFile(fmt.Sprintf("recv-%d.json", *fPort), j)
	fmt.Printf("fleet follower: %d clients, prices %d..%d reported\n", rep.Clients, first, last)
}

// fleetPrice pushes the next USD price through the lead node's upstream and returns its seq.
func fleetPrice(phase int) int64 {
	seq := atomic.AddInt64(&nextSeq, 1) - 1
	seqPhase[seq] = uint8(phase)
	act := time.Now().UnixNano()
	seqSend[seq], seqAct[seq] = act, act
	if err := control(seq, act, "/price?currency=USD&value="+strconv.FormatInt(*fV1Price+10*seq, 10), "text/plain", nil); err != nil {
		fatal("fleet: %v (is -port the node that runs the upstream?)", err)
	}
	return seq
}

func fleetLead(clients int64, warm, count int) *fleetResult {
	waitFiles("ready-*", *fFleetK+1)
	ph := newPhase("fleet")
	var first, last int64
	for i := 0; i < warm+count; i++ {
		seq := fleetPrice(ph)
		if i == warm {
			first = seq
		}
		last = seq
		if !waitDelivered(seq, seq, *fTimeout) {
			fmt.Printf("fleet: price %d did not reach all %d clients of the lead node\n", seq, clients)
		}
		time.Sleep(*fLatGap)
	}
	writeFleetFile("done", []byte(fmt.Sprintf("%d %d", first, last)))
	res := &fleetResult{Nodes: *fFleetK + 1, Clients: clients, Broadcasts: count, AllDelivered: true}
	total := make([]int64, last-first+1)
	lastNs := make([]int64, last-first+1)
	var lead []float64
	for s := first; s <= last; s++ {
		total[s-first] = int64(atomic.LoadInt32(&seqCnt[s]))
		lastNs[s-first] = atomic.LoadInt64(&seqMaxK[s])
		lead = append(lead, float64(lastNs[s-first]-seqSend[s])/1e6)
	}
	for _, f := range waitFiles("recv-*.json", *fFleetK) {
		b, err := os.ReadFile(f)
		if err != nil {
			fatal("fleet: %v", err)
		}
		var rep fleetReport
		if err := json.Unmarshal(b, &rep); err != nil || rep.First != first || len(rep.Count) != len(total) {
			fatal("fleet: bad report %s", f)
		}
		res.Clients += rep.Clients
		for i := range total {
			total[i] += int64(rep.Count[i])
			lastNs[i] = max64(lastNs[i], rep.LastNs[i])
		}
	}
	for i := range total {
		if total[i] < res.Clients {
			res.AllDelivered = false
			res.Missing += res.Clients - total[i]
		}
		res.LastMs = append(res.LastMs, float64(lastNs[i]-seqSend[first+int64(i)])/1e6)
	}
	res.LastMedms, res.LastMinms, res.LastMaxms = median(res.LastMs), minf(res.LastMs), maxf(res.LastMs)
	res.LeadLastMed = median(lead)
	per := make([]string, len(res.LastMs))
	for i, v := range res.LastMs {
		per[i] = strconv.FormatFloat(v, 'f', 0, 64)
	}
	fmt.Printf("fleet: %d nodes, %d clients; %d price changes, every client got every one: %v (missing %d); time until the last client of the fleet had it: median %.1f (min %.1f max %.1f) ms; lead node alone median %.1f ms; per change: %s\n",
		res.Nodes, res.Clients, count, res.AllDelivered, res.Missing, res.LastMedms, res.LastMinms, res.LastMaxms, res.LeadLastMed, strings.Join(per, " "))
	return res
}
