// The v2 variant of the measurement (-v2): every client speaks the MessagePack protocol of
// /api/v2/ws and subscribes to blockheight and to the price of one of 7 currencies (client i takes
// currency i % 7). Changes go through the server's real upstream path: the generator asks the
// bench server to push a block (POST /block?height=H) or a price (POST
// /price?currency=C&value=P) through its fake mempool instance, and the server's frames carry
// the sequence number in the value (H = 2,000,000 + seq, P = 20,000,000 + 10·seq, so every step
// clears the server's 2-unit price threshold). A block must reach every client, a price exactly
// the subscribers of its currency: a price frame at any other client is counted as misrouted.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	fV2       = flag.Bool("v2", false, "v2 variant: MessagePack clients (use with -ws-path /api/v2/ws), each subscribed to blockheight and to the price of one of 7 currencies; changes are pushed through the server's upstream (POST /block, /price)")
	fV2Rounds = flag.Int("v2-rounds", 5, "with -v2: isolated rounds, each a block and one price change per currency, one change at a time")
	fV2Burst  = flag.Int("v2-burst", 25, "with -v2: rounds sent back to back for capacity (0: skip)")
	fV2Gap    = flag.Duration("v2-gap", 200*time.Millisecond, "with -v2: pause after each isolated change was delivered")
)

var v2Currencies = []string{"USD", "EUR", "GBP", "CAD", "CHF", "AUD", "JPY"}

const (
	v2HeightBase = 2_000_000
	v2PriceBase  = 20_000_000
	kindBlock    = -1
)

var (
	seqKind   = make([]int8, maxSeq) // -v2: kindBlock or the currency index of a price change
	misrouted int64                  // -v2: price frames at a client that did not subscribe to that currency
)

// mpString is a MessagePack fixstr (all strings here are shorter than 32 bytes).
func mpString(s string) []byte {
	return append([]byte{0xa0 | byte(len(s))}, s...)
}

// v2Subscribe sends client i's two subscribe messages (docs/protocol.md §4, vectors 11 and 15) as
// masked binary frames on the still blocking socket.
func v2Subscribe(fd, i int) error {
	blockheight := append(append(append([]byte{0x82}, mpString("type")...), mpString("subscribe")...), mpString("eventType")...)
	blockheight = append(blockheight, mpString("blockheight")...)
	price := append(append(append([]byte{0x83}, mpString("type")...), mpString("subscribe")...), mpString("eventType")...)
	price = append(append(append(price, mpString("price")...), mpString("currency")...), mpString(v2Currencies[i%len(v2Currencies)])...)
	var out []byte
	for _, p := range [][]byte{blockheight, price} {
		mk := [4]byte{0x9e, 0x37, 0x79, 0xb9}
		out = append(out, 0x82, 0x80|byte(len(p)))
		out = append(out, mk[:]...)
		for j, b := range p {
			out = append(out, b^mk[j&3])
		}
	}
	for len(out) > 0 {
		n, err := syscall.Write(fd, out)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
		out = out[n:]
	}
	return nil
}

// mpUint reads a non-negative MessagePack integer; ok is false for anything else.
func mpUint(p []byte) (v int64, ok bool) {
	if len(p) == 0 {
		return 0, false
	}
	switch b := p[0]; {
	case b < 0x80:
		return int64(b), true
	case b == 0xcc && len(p) >= 2:
		return int64(p[1]), true
	case b == 0xcd && len(p) >= 3:
		return int64(binary.BigEndian.Uint16(p[1:])), true
	case b == 0xce && len(p) >= 5:
		return int64(binary.BigEndian.Uint32(p[1:])), true
	case b == 0xcf && len(p) >= 9:
		return int64(binary.BigEndian.Uint64(p[1:])), true
	}
	return 0, false
}

var (
	mpBlockheight = mpString("blockheight")
	mpPrice       = append([]byte{0x81}, mpString("price")...)
)

// v2Data takes {"blockheight":H} and {"price":{"C":P}} frames of this run; acks, initial values and
// messages are foreign.
func (r *reader) v2Data(c *conn, p []byte, now, kts int64) {
	if len(p) > 1 && p[0] == 0x81 && bytes.HasPrefix(p[1:], mpBlockheight) {
		if h, ok := mpUint(p[1+len(mpBlockheight):]); ok && h > v2HeightBase && h-v2HeightBase < maxSeq {
			seq := h - v2HeightBase
			if seqKind[seq] == kindBlock {
				r.record(c, seq, seqSend[seq], now, kts, false)
				return
			}
		}
	}
	if bytes.HasPrefix(p, mpPrice) && len(p) > len(mpPrice)+5 && p[len(mpPrice)] == 0x81 && p[len(mpPrice)+1] == 0xa3 {
		code := string(p[len(mpPrice)+2 : len(mpPrice)+5])
		if v, ok := mpUint(p[len(mpPrice)+5:]); ok && v > v2PriceBase && (v-v2PriceBase)%10 == 0 && (v-v2PriceBase)/10 < maxSeq {
			seq := (v - v2PriceBase) / 10
			if k := seqKind[seq]; k < 0 || v2Currencies[k] != code || k != c.cur {
				atomic.AddInt64(&misrouted, 1)
				return
			}
			r.record(c, seq, seqSend[seq], now, kts, false)
			return
		}
	}
	atomic.AddInt64(&foreign, 1)
}

// v2Change asks the server to push one change (kind: kindBlock or a currency index) and returns its seq.
func v2Change(phase int, kind int8) (int64, error) {
	seq := atomic.AddInt64(&nextSeq, 1) - 1
	if seq >= maxSeq {
		return seq, fmt.Errorf("sequence space exhausted")
	}
	seqPhase[seq] = uint8(phase)
	seqKind[seq] = kind
	var path string
	if kind == kindBlock {
		path = "/block?height=" + strconv.FormatInt(v2HeightBase+seq, 10)
	} else {
		path = "/price?currency=" + v2Currencies[kind] + "&value=" + strconv.FormatInt(v2PriceBase+10*seq, 10)
	}
	act := time.Now().UnixNano()
	seqSend[seq] = act
	seqAct[seq] = act
	return seq, control(seq, act, path, "text/plain", nil)
}

// v2Want is how many open clients must receive change seq.
func v2Want(seq int64) int64 {
	if k := seqKind[seq]; k >= 0 {
		return atomic.LoadInt64(&liveCur[k])
	}
	return atomic.LoadInt64(&live)
}

type v2Result struct {
	Clients        int64     `json:"clients"`
	PerCurrency    []int64   `json:"clients_per_currency"`
	Rounds         int       `json:"rounds"`
	BlockLastMs    []float64 `json:"block_kern_last_ms"`
	PriceLastMs    []float64 `json:"price_kern_last_ms"`
	BlockLastMedms float64   `json:"block_kern_last_median_ms"`
	PriceLastMedms float64   `json:"price_kern_last_median_ms"`
	UsPerFrameS    float64   `json:"server_cpu_us_per_frame"`
	Incomplete     int       `json:"incomplete_changes"`
	BurstRounds    int       `json:"burst_rounds"`
	BurstComplete  bool      `json:"burst_complete"`
	BurstFrames    int64     `json:"burst_frames"`
	BurstKernS     float64   `json:"burst_kern_deliver_s"`
	BurstFramesPS  float64   `json:"burst_frames_per_s"`
	BurstChangesPS float64   `json:"burst_changes_per_s"`
	Misrouted      int64     `json:"misrouted_frames"`
	ClosedBySrv    int64     `json:"closed_by_server"`
}

// v2Round pushes a block and one price per currency; isolated waits for each change to be
// delivered (and then -v2-gap) before the next. It returns the first and last seq.
func v2Round(phase int, isolated bool, res *v2Result, cpu *cpuSplit, frames *int64) (int64, int64) {
	var first, last int64
	for k := int8(kindBlock); k < int8(len(v2Currencies)); k++ {
		c0 := snapCPU()
		seq, err := v2Change(phase, k)
		if err != nil {
			fatal("v2: %v", err)
		}
		if first == 0 {
			first = seq
		}
		last = seq
		if !isolated {
			continue
		}
		if !waitDelivered(seq, seq, *fTimeout) {
			res.Incomplete++
		}
		d := snapCPU().since(c0)
		cpu.WallS += d.WallS
		cpu.ServerCPUS += d.ServerCPUS
		*frames += int64(atomic.LoadInt32(&seqCnt[seq]))
		ms := float64(atomic.LoadInt64(&seqMaxK[seq])) / 1e6
		if k == kindBlock {
			res.BlockLastMs = append(res.BlockLastMs, ms)
		} else {
			res.PriceLastMs = append(res.PriceLastMs, ms)
		}
		time.Sleep(*fV2Gap)
	}
	return first, last
}

func v2Test() *v2Result {
	*fWarm, *fLat, *fBurst, *fLadder, *fRates = 0, 0, 0, "", ""
	wantCount = v2Want
	res := &v2Result{Clients: atomic.LoadInt64(&live), Rounds: *fV2Rounds, BurstRounds: *fV2Burst}
	for k := range v2Currencies {
		res.PerCurrency = append(res.PerCurrency, atomic.LoadInt64(&liveCur[k]))
	}
	closed0 := atomic.LoadInt64(&closedBy)
	var cpu cpuSplit
	var frames int64
	v2Round(newPhase("v2-warmup"), true, &v2Result{}, &cpuSplit{}, new(int64))
	waitQuiet()
	ph := newPhase("v2-isolated")
	for i := 0; i < *fV2Rounds; i++ {
		v2Round(ph, true, res, &cpu, &frames)
	}
	if frames > 0 {
		res.UsPerFrameS = cpu.ServerCPUS * 1e6 / float64(frames)
	}
	res.BlockLastMedms, res.PriceLastMedms = median(res.BlockLastMs), median(res.PriceLastMs)
	fmt.Printf("v2 isolated (%d rounds of a block and 7 prices, %d clients, per currency %v): last client block median %.1f (min %.1f max %.1f) ms, price median %.1f (max %.1f) ms; incomplete %d; server cpu %.2f us/frame\n",
		*fV2Rounds, res.Clients, res.PerCurrency, res.BlockLastMedms, minf(res.BlockLastMs), maxf(res.BlockLastMs),
		res.PriceLastMedms, maxf(res.PriceLastMs), res.Incomplete, res.UsPerFrameS)
	if *fV2Burst > 0 {
		waitQuiet()
		bp := newPhase("v2-burst")
		var first, last int64
		for i := 0; i < *fV2Burst; i++ {
			a, b := v2Round(bp, false, res, &cpu, &frames)
			if i == 0 {
				first = a
			}
			last = b
		}
		res.BurstComplete = waitDelivered(first, last, *fTimeout+time.Duration(*fV2Burst)*time.Second)
		var end int64
		for s := first; s <= last; s++ {
			if e := seqSend[s] + atomic.LoadInt64(&seqMaxK[s]); e > end {
				end = e
			}
			res.BurstFrames += int64(atomic.LoadInt32(&seqCnt[s]))
		}
		res.BurstKernS = float64(end-seqAct[first]) / 1e9
		res.BurstFramesPS = float64(res.BurstFrames) / res.BurstKernS
		res.BurstChangesPS = float64(last-first+1) / res.BurstKernS
		fmt.Printf("v2 burst: %d rounds (%d changes) back to back, %d frames delivered in %.3fs = %.0f frames/s, %.1f changes/s; complete %v\n",
			*fV2Burst, last-first+1, res.BurstFrames, res.BurstKernS, res.BurstFramesPS, res.BurstChangesPS, res.BurstComplete)
	}
	res.Misrouted = atomic.LoadInt64(&misrouted)
	res.ClosedBySrv = atomic.LoadInt64(&closedBy) - closed0
	fmt.Printf("v2: misrouted price frames %d; closed by server %d\n", res.Misrouted, res.ClosedBySrv)
	return res
}

func minf(v []float64) float64 {
	if len(v) == 0 {
		return -1
	}
	m := v[0]
	for _, x := range v {
		if x < m {
			m = x
		}
	}
	return m
}
