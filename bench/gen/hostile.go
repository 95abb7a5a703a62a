// hostile: many WebSocket clients that each hold an unfinished message, against a server that a
// well-behaved control client keeps using (standard library only).
//
// Every hostile client upgrades, then starts a fragmented binary message (FIN=0) and never ends it:
//   -mode frag     one fragment of -size bytes (just under the server's message limit), then nothing
//                  more but pongs to the server's pings (a client the idle reaper cannot see)
//   -mode trickle  fragments of -chunk bytes, one every -every, forever: each shows life, and the
//                  message stays under the size limit for a long time
// With -reconnect, a client the server closed connects again at once and starts over, for the whole
// -duration: a persistent attacker. Meanwhile one control client on -control-path must receive every
// broadcast the generator asks the server for (POST /broadcast every -every-bcast, sequence numbers in
// the payload), and /stats is polled for the server's heap.
//
// Output: JSON on stdout (and -json FILE) with connects, closes by the server, the control client's
// delivery and latency, the server's heap (max during the run, live after a full GC at the end), RSS
// and open descriptors before, during and after.
//
// Build: GO111MODULE=off go build -o hostile hostile.go
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	fPort       = flag.Int("port", 8090, "server port (WebSocket and control)")
	fN          = flag.Int("n", 18000, "hostile clients")
	fMode       = flag.String("mode", "frag", "frag | trickle")
	fPath       = flag.String("path", "/api/v2/ws", "WebSocket path of the hostile clients")
	fCtlPath    = flag.String("control-path", "/ws", "WebSocket path of the control client (v1: text broadcasts)")
	fSize       = flag.Int("size", 1023, "bytes of the first fragment")
	fChunk      = flag.Int("chunk", 16, "trickle: bytes per continuation fragment")
	fEvery      = flag.Duration("every", time.Second, "trickle: pause between continuation fragments")
	fConc       = flag.Int("conc", 256, "handshakes in flight while connecting")
	fSrc        = flag.Int("src", 20, "source addresses 127.0.0.1..127.0.0.<src>")
	fDuration   = flag.Duration("duration", 60*time.Second, "how long the attack lasts after all clients first connected")
	fReconnect  = flag.Bool("reconnect", true, "a client the server closed connects again and starts over")
	fBcastEvery = flag.Duration("every-bcast", 500*time.Millisecond, "pause between control broadcasts")
	fPid        = flag.Int("pid", 0, "server PID (0: from /stats)")
	fJSON       = flag.String("json", "", "also write the result to this file")
)

type result struct {
	Mode                  string  `json:"mode"`
	Clients               int     `json:"clients"`
	FirstConnectSeconds   float64 `json:"first_connect_seconds"`
	HandshakesOK          int64   `json:"handshakes_ok"`
	HandshakesFailed      int64   `json:"handshakes_failed"`
	ClosedByServer        int64   `json:"closed_by_server"`
	CloseCodes            map[string]int64 `json:"close_codes"`
	HeldSecondsP50        float64 `json:"held_seconds_p50"`
	HeldSecondsMax        float64 `json:"held_seconds_max"`
	ControlSent           int64   `json:"control_broadcasts_sent"`
	ControlReceived       int64   `json:"control_broadcasts_received"`
	ControlInOrder        bool    `json:"control_in_order"`
	ControlLatencyMsMax   float64 `json:"control_latency_ms_max"`
	ControlLatencyMsP50   float64 `json:"control_latency_ms_p50"`
	ControlAlive          bool    `json:"control_alive_at_end"`
	HeapMaxKB             int64   `json:"server_heap_used_max_kb"`
	HeapLiveDuringKB      int64   `json:"server_heap_live_during_attack_kb"`
	InboundMaxBytes       int64   `json:"server_inbound_buffered_max_bytes"`
	InboundEvictions      int64   `json:"server_inbound_evictions"`
	MessageTimeouts       int64   `json:"server_message_timeouts"`
	HeapLiveAfterKB       int64   `json:"server_heap_live_after_gc_kb"`
	HeapLiveBeforeKB      int64   `json:"server_heap_live_before_kb"`
	RSSBeforeKB           int64   `json:"server_rss_before_kb"`
	RSSMaxKB              int64   `json:"server_rss_max_kb"`
	RSSAfterKB            int64   `json:"server_rss_after_kb"`
	FDsBefore             int     `json:"server_fds_before"`
	FDsMax                int     `json:"server_fds_max"`
	FDsAfter              int     `json:"server_fds_after"`
	ServerAlive           bool    `json:"server_alive_at_end"`
	HealthAfter           int     `json:"healthz_after"`
}

var (
	dst        = net.IPv4(127, 0, 0, 1)
	okCount    int64
	failCount  int64
	closed     int64
	codesMu    sync.Mutex
	codes      = map[string]int64{}
	heldMu     sync.Mutex
	held       []float64
	stop       int32
)

func main() {
	flag.Parse()
	pid := *fPid
	if pid == 0 {
		pid = int(statInt(stats(""), "pid"))
	}
	r := result{Mode: *fMode, Clients: *fN, CloseCodes: codes}
	r.HeapLiveBeforeKB = statInt(stats("gc=1"), "heap_used_after_gc_kb")
	r.RSSBeforeKB = statusKB(pid, "VmRSS")
	r.FDsBefore = fds(pid)

	ctl := newControl()
	var sent int64
	bcastDone := make(chan struct{})
	go func() {
		defer close(bcastDone)
		for seq := int64(1); atomic.LoadInt32(&stop) == 0; seq++ {
			body := fmt.Sprintf("{\"seq\":%d,\"t\":%d}", seq, time.Now().UnixNano())
			resp, err := http.Post(ctlURL("/broadcast"), "text/plain", strings.NewReader(body))
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				atomic.StoreInt64(&sent, seq)
			}
			time.Sleep(*fBcastEvery)
		}
	}()

	var monMu sync.Mutex
	monDone := make(chan struct{})
	go func() {
		defer close(monDone)
		for atomic.LoadInt32(&stop) == 0 {
			st := stats("")
			h := statInt(st, "heap_used_kb")
			in := statInt(st, "inbound_buffered_bytes")
			rss := statusKB(pid, "VmRSS")
			n := fds(pid)
			monMu.Lock()
			if h > r.HeapMaxKB {
				r.HeapMaxKB = h
			}
			if in > r.InboundMaxBytes {
				r.InboundMaxBytes = in
			}
			if rss > r.RSSMaxKB {
				r.RSSMaxKB = rss
			}
			if n > r.FDsMax {
				r.FDsMax = n
			}
			monMu.Unlock()
			time.Sleep(250 * time.Millisecond)
		}
	}()

	start := time.Now()
	end := make(chan struct{})
	var wg sync.WaitGroup
	sem := make(chan struct{}, *fConc)
	var first sync.WaitGroup
	first.Add(*fN)
	for i := 0; i < *fN; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			hostile(i, sem, &first, end)
		}(i)
	}
	first.Wait()
	r.FirstConnectSeconds = time.Since(start).Seconds()
	fmt.Fprintf(os.Stderr, "%d clients started in %.1f s (%d handshakes failed); attacking for %s\n",
		*fN, r.FirstConnectSeconds, atomic.LoadInt64(&failCount), *fDuration)
	// The live heap with every client holding its message (before the server's message timeout).
	r.HeapLiveDuringKB = statInt(stats("gc=1"), "heap_used_after_gc_kb")
	time.Sleep(*fDuration)
	close(end)
	wg.Wait()
	atomic.StoreInt32(&stop, 1)
	<-bcastDone
	<-monDone

	// The last broadcast must reach the control client too.
	last := atomic.LoadInt64(&sent)
	deadline := time.Now().Add(10 * time.Second)
	for ctl.maxSeq() < last && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	r.ControlSent = last
	r.ControlReceived, r.ControlInOrder, r.ControlLatencyMsP50, r.ControlLatencyMsMax = ctl.summary()
	r.ControlAlive = ctl.alive()
	r.HandshakesOK = atomic.LoadInt64(&okCount)
	r.HandshakesFailed = atomic.LoadInt64(&failCount)
	r.ClosedByServer = atomic.LoadInt64(&closed)
	heldMu.Lock()
	sort.Float64s(held)
	if len(held) > 0 {
		r.HeldSecondsP50 = held[len(held)/2]
		r.HeldSecondsMax = held[len(held)-1]
	}
	heldMu.Unlock()
	time.Sleep(2 * time.Second) // the server notices the last disconnects
	final := stats("gc=1")
	r.HeapLiveAfterKB = statInt(final, "heap_used_after_gc_kb")
	r.InboundEvictions = statInt(final, "inbound_evictions")
	r.MessageTimeouts = statInt(final, "message_timeouts")
	r.RSSAfterKB = statusKB(pid, "VmRSS")
	r.FDsAfter = fds(pid)
	r.ServerAlive = statusKB(pid, "VmRSS") > 0
	if resp, err := http.Get(ctlURL("/healthz")); err == nil {
		r.HealthAfter = resp.StatusCode
		resp.Body.Close()
	}
	out, _ := json.MarshalIndent(r, "", "  ")
	fmt.Println(string(out))
	if *fJSON != "" {
		os.MkdirAll(filepath.Dir(*fJSON), 0o755)
		os.WriteFile(*fJSON, out, 0o644)
	}
}

// hostile runs one client until end: connect, hold an unfinished message, and (with -reconnect)
// connect again each time the server closes it.
func hostile(i int, sem chan struct{}, first *sync.WaitGroup, end chan struct{}) {
	once := true
	for {
		select {
		case <-end:
			if once {
				first.Done()
			}
			return
		default:
		}
		sem <- struct{}{}
		c, br, err := handshake(i, *fPath)
		<-sem
		if once {
			first.Done()
			once = false
		}
		if err != nil {
			atomic.AddInt64(&failCount, 1)
			select {
			case <-end:
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		atomic.AddInt64(&okCount, 1)
		began := time.Now()
		byServer := hold(c, br, end)
		c.Close()
		if byServer {
			atomic.AddInt64(&closed, 1)
			heldMu.Lock()
			held = append(held, time.Since(began).Seconds())
			heldMu.Unlock()
		}
		if !byServer || !*fReconnect {
			if !byServer {
				return
			}
			<-end
			return
		}
	}
}

// hold sends the unfinished message and answers pings; true when the server ended the connection.
func hold(c net.Conn, br *bufio.Reader, end chan struct{}) bool {
	var wmu sync.Mutex
	write := func(b []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_, err := c.Write(b)
		return err
	}
	first := *fSize
	if *fMode == "trickle" {
		first = *fChunk // small, and growing slowly: under the size limit for minutes
	}
	if err := write(frame(0x02, make([]byte, first))); err != nil {
		return true
	}
	gone := make(chan struct{})
	go func() { // reader: pongs for pings, the close code, the end
		defer close(gone)
		for {
			op, p, err := readFrame(br)
			if err != nil {
				return
			}
			switch op {
			case 0x9:
				write(frame(0x8A, p))
			case 0x8:
				code := "none"
				if len(p) >= 2 {
					code = strconv.Itoa(int(binary.BigEndian.Uint16(p)))
				}
				codesMu.Lock()
				codes[code]++
				codesMu.Unlock()
			}
		}
	}()
	var tick <-chan time.Time
	if *fMode == "trickle" {
		t := time.NewTicker(*fEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-end:
			return false
		case <-gone:
			return true
		case <-tick:
			if err := write(frame(0x00, make([]byte, *fChunk))); err != nil {
				<-gone
				return true
			}
		}
	}
}

func handshake(i int, path string) (net.Conn, *bufio.Reader, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	if *fSrc > 1 {
		d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%*fSrc))}
	}
	c, err := d.Dial("tcp", fmt.Sprintf("%s:%d", dst, *fPort))
	if err != nil {
		return nil, nil, err
	}
	keyBytes := make([]byte, 16)
	rand.Read(keyBytes)
	key := base64.StdEncoding.EncodeToString(keyBytes)
	req := "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(req)); err != nil {
		c.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(c, 4096)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 101 ") {
		c.Close()
		return nil, nil, fmt.Errorf("no 101: %q %v", status, err)
	}
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	want := base64.StdEncoding.EncodeToString(h[:])
	accepted := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		if line == "\r\n" {
			break
		}
		if strings.HasPrefix(strings.ToLower(line), "sec-websocket-accept:") && strings.TrimSpace(line[21:]) == want {
			accepted = true
		}
	}
	if !accepted {
		c.Close()
		return nil, nil, fmt.Errorf("bad accept")
	}
	c.SetDeadline(time.Time{})
	return c, br, nil
}

func frame(first byte, p []byte) []byte {
	var b bytes.Buffer
	b.WriteByte(first)
	n := len(p)
	switch {
	case n < 126:
		b.WriteByte(0x80 | byte(n))
	case n <= 0xFFFF:
		b.WriteByte(0x80 | 126)
		binary.Write(&b, binary.BigEndian, uint16(n))
	default:
		b.WriteByte(0x80 | 127)
		binary.Write(&b, binary.BigEndian, uint64(n))
	}
	mask := make([]byte, 4)
	rand.Read(mask)
	b.Write(mask)
	for i, x := range p {
		b.WriteByte(x ^ mask[i&3])
	}
	return b.Bytes()
}

func readFrame(br *bufio.Reader) (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	if n == 126 {
		var x [2]byte
		if _, err := io.ReadFull(br, x[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(x[:]))
	} else if n == 127 {
		var x [8]byte
		if _, err := io.ReadFull(br, x[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(x[:])
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(br, p); err != nil {
		return 0, nil, err
	}
	return h[0] & 0x0f, p, nil
}

// control: one v1 client that must receive every broadcast, in order.
type control struct {
	mu     sync.Mutex
	seqs   []int64
	lat    []float64
	ended  bool
}

func newControl() *control {
	c, br, err := handshake(0, *fCtlPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "control client:", err)
		os.Exit(1)
	}
	ctl := &control{}
	var wmu sync.Mutex
	go func() {
		for {
			op, p, err := readFrame(br)
			if err != nil {
				ctl.mu.Lock()
				ctl.ended = true
				ctl.mu.Unlock()
				return
			}
			switch op {
			case 0x9:
				wmu.Lock()
				c.Write(frame(0x8A, p))
				wmu.Unlock()
			case 0x1:
				var m struct {
					Seq int64 `json:"seq"`
					T   int64 `json:"t"`
				}
				if json.Unmarshal(p, &m) == nil && m.Seq > 0 {
					ctl.mu.Lock()
					ctl.seqs = append(ctl.seqs, m.Seq)
					ctl.lat = append(ctl.lat, float64(time.Now().UnixNano()-m.T)/1e6)
					ctl.mu.Unlock()
				}
			}
		}
	}()
	return ctl
}

func (c *control) maxSeq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seqs) == 0 {
		return 0
	}
	return c.seqs[len(c.seqs)-1]
}

func (c *control) summary() (int64, bool, float64, float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	inOrder := true
	for i, s := range c.seqs {
		if s != int64(i+1) {
			inOrder = false
		}
	}
	l := append([]float64(nil), c.lat...)
	sort.Float64s(l)
	p50, max := 0.0, 0.0
	if len(l) > 0 {
		p50, max = l[len(l)/2], l[len(l)-1]
	}
	return int64(len(c.seqs)), inOrder, p50, max
}

func (c *control) alive() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.ended
}

func ctlURL(path string) string { return fmt.Sprintf("http://%s:%d%s", dst, *fPort, path) }

func stats(q string) map[string]interface{} {
	u := ctlURL("/stats")
	if q != "" {
		u += "?" + q
	}
	resp, err := http.Get(u)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	m := map[string]interface{}{}
	json.NewDecoder(resp.Body).Decode(&m)
	return m
}

func statInt(m map[string]interface{}, k string) int64 {
	if v, ok := m[k].(float64); ok {
		return int64(v)
	}
	return 0
}

func statusKB(pid int, key string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key+":") {
			f := strings.Fields(line[len(key)+1:])
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

func fds(pid int) int {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(entries)
}
