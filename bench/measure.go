package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Latencies collects request durations from many goroutines.
type Latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

// Add records one duration.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// Stats is a summary of latencies.
type Stats struct {
	N             int
	P50, P99, Max time.Duration
}

// Stats returns the count and percentiles (nearest rank).
func (l *Latencies) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := append([]time.Duration(nil), l.d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return Stats{}
	}
	at := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(s) {
			i = len(s) - 1
		}
		return s[i]
	}
	return Stats{N: len(s), P50: at(0.50), P99: at(0.99), Max: s[len(s)-1]}
}

// CPU is the user+system CPU time of this process so far.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clockTicks is USER_HZ; 100 on every Linux this runs on.
const clockTicks = 100

// ProcCPU is the user+system CPU time of process pid from /proc/<pid>/stat
// (0 when it cannot be read, e.g. not Linux or the process is gone).
func ProcCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the ")" closing the command name: state is field 3,
	// utime 14, stime 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// ProcRSS is the resident set size of pid (0: this process) in bytes.
func ProcRSS(pid int) int64 {
	p := "/proc/self/status"
	if pid > 0 {
		p = fmt.Sprintf("/proc/%d/status", pid)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// FindDevServerPID finds the `temporal server start-dev` process listening
// on port (0 when none is found): its CPU and memory are reported beside
// the worker's.
func FindDevServerPID(port string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		dev, portMatch := false, false
		for i, a := range args {
			if a == "start-dev" {
				dev = true
			}
			if a == "--port" && i+1 < len(args) && args[i+1] == port {
				portMatch = true
			}
		}
		if dev && portMatch {
			pid, _ := strconv.Atoi(filepath.Base(d))
			return pid
		}
	}
	return 0
}

// Usage is CPU spent by this process and by the server during a phase.
type Usage struct {
	Wall      time.Duration
	SelfCPU   time.Duration // test/loadgen process: worker + client + API
	ServerCPU time.Duration // dev server process (0 when unknown)
}

// Meter measures a phase.
type Meter struct {
	serverPID, workerPID int
	start                time.Time
	selfCPU, serverCPU   time.Duration
}

// StartMeter starts measuring; serverPID may be 0. workerPID, when not 0,
// is a worker in another process whose CPU counts with this process's.
func StartMeter(serverPID, workerPID int) *Meter {
	m := &Meter{serverPID: serverPID, workerPID: workerPID, start: time.Now()}
	m.selfCPU, m.serverCPU = m.self(), ProcCPU(serverPID)
	return m
}

func (m *Meter) self() time.Duration { return SelfCPU() + ProcCPU(m.workerPID) }

// Stop returns what the phase used.
func (m *Meter) Stop() Usage {
	return Usage{
		Wall:      time.Since(m.start),
		SelfCPU:   m.self() - m.selfCPU,
		ServerCPU: ProcCPU(m.serverPID) - m.serverCPU,
	}
}

// ms formats a duration in milliseconds with one decimal.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

// ratio formats a/b.
func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a/b)
}
