package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
)

// ImportOptions tune Import.
type ImportOptions struct {
	// Partner books lines that carry no "partner" field; a line naming
	// another partner is rejected.
	Partner string
	// Workers bounds how many bookings start at once (default 8).
	Workers int
	// Progress receives a line every Every lines read (default 100), and
	// the last count. Nil: no progress.
	Progress io.Writer
	Every    int
}

// ImportRejected is a line that started nothing, with the reason (codes
// and messages never echo personal data).
type ImportRejected struct {
	Line   int    `json:"line"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// ImportSummary is the outcome of an import.
type ImportSummary struct {
	Lines    int              `json:"lines"`
	Started  int              `json:"started"`
	Known    int              `json:"already_known"`
	Rejected []ImportRejected `json:"rejected"`
}

type importJob struct {
	line int
	data []byte
}

type importResult struct {
	line    int
	created bool
	rej     *ImportRejected
}

// Import starts every valid booking of a JSONL stream (one booking object
// per line, blank lines ignored). Invalid lines are reported and never stop
// the valid ones; a booking already started counts as known, so a second
// run starts nothing new (the workflow id reuse policy guarantees it).
func Import(ctx context.Context, v *Visits, r io.Reader, opt ImportOptions) (ImportSummary, error) {
	if opt.Workers <= 0 {
		opt.Workers = 8
	}
	if opt.Every <= 0 {
		opt.Every = 100
	}
	jobs := make(chan importJob)
	results := make(chan importResult)
	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- importLine(ctx, v, j, opt.Partner)
			}
		}()
	}
	var sum ImportSummary
	done := make(chan struct{})
	go func() {
		defer close(done)
		n := 0
		report := func() {
			if opt.Progress != nil {
				fmt.Fprintf(opt.Progress, "import: %d bookings done: %d started, %d already known, %d rejected\n",
					n, sum.Started, sum.Known, len(sum.Rejected))
			}
		}
		defer func() {
			if n%opt.Every != 0 {
				report()
			}
		}()
		for res := range results {
			n++
			switch {
			case res.rej != nil:
				sum.Rejected = append(sum.Rejected, *res.rej)
			case res.created:
				sum.Started++
			default:
				sum.Known++
			}
			if n%opt.Every == 0 {
				report()
			}
		}
	}()

	br := bufio.NewReaderSize(r, 64<<10)
	line := 0
	var readErr error
read:
	for {
		data, tooLong, err := readLine(br, MaxBodyBytes)
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		line++
		if !tooLong && len(trimSpace(data)) == 0 {
			continue
		}
		j := importJob{line: line, data: data}
		if tooLong {
			j.data = nil
		}
		select {
		case jobs <- j:
		case <-ctx.Done():
			readErr = ctx.Err()
			break read
		}
	}
	close(jobs)
	wg.Wait()
	close(results)
	<-done
	sum.Lines = line
	sort.Slice(sum.Rejected, func(a, b int) bool { return sum.Rejected[a].Line < sum.Rejected[b].Line })
	return sum, readErr
}

func importLine(ctx context.Context, v *Visits, j importJob, defaultPartner string) importResult {
	rej := func(code, reason string) importResult {
		return importResult{line: j.line, rej: &ImportRejected{Line: j.line, Code: code, Reason: reason}}
	}
	if j.data == nil {
		return rej("body_too_large", "the line is longer than 64 KiB")
	}
	var req BookingRequest
	if e := DecodeStrict(j.data, &req); e != nil {
		return rej(e.Code, e.Message)
	}
	partner := defaultPartner
	if partner == "" {
		partner = req.Partner
	}
	if partner == "" {
		return rej("missing_field", "partner: every line needs a partner (or run with --partner)")
	}
	res, err := v.Book(ctx, partner, req)
	var verr *ValidationError
	switch {
	case errors.As(err, &verr):
		return rej(verr.Code, verr.Message)
	case errors.Is(err, ErrBookingConflict):
		return rej("booking_conflict", "booking_ref "+req.BookingRef+" was already booked with different details")
	case err != nil:
		return rej("start_failed", "Temporal refused or did not answer: "+errType(err))
	}
	return importResult{line: j.line, created: res.Created}
}

// readLine reads one line (without its newline). A line longer than max is
// consumed and reported as tooLong.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, e := br.ReadLine()
		if e != nil {
			if e == io.EOF && (line != nil || tooLong) {
				return line, tooLong, nil
			}
			return line, tooLong, e
		}
		if !tooLong {
			line = append(line, chunk...)
			if line == nil {
				line = []byte{}
			}
			if len(line) > max {
				tooLong, line = true, []byte{}
			}
		}
		if !isPrefix {
			return line, tooLong, nil
		}
	}
}

func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	for j > i && (b[j-1] == ' ' || b[j-1] == '\t' || b[j-1] == '\r') {
		j--
	}
	return b[i:j]
}
