package api

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/visit"
)

// The README's examples stay valid: they decode strictly and validate.
func TestExamples(t *testing.T) {
	dir := filepath.Join("..", "examples")
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	p, err := LoadPartners(filepath.Join(dir, "partners.json"), false)
	require.NoError(t, err)
	assert.Equal(t, []string{"acme", "globex"}, p.IDs())

	load := func(name string, v any) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Nil(t, DecodeStrict(b, v), name)
	}
	var b BookingRequest
	load("booking.json", &b)
	_, verr := b.Validate(b.Partner, now)
	assert.Nil(t, verr)
	_, verr = p.Policy(b.Partner, "SE")
	assert.Nil(t, verr)

	load("booking-bad-phone.json", &b)
	_, verr = b.Validate(b.Partner, now)
	require.NotNil(t, verr)
	assert.Equal(t, "invalid_phone", verr.Code)

	load("book.json", &visit.BookRequest{})
	load("book-outside-wishes.json", &visit.BookRequest{})
	load("start.json", &visit.StartRequest{})
	load("complete.json", &visit.CompleteRequest{})
	load("rating.json", &jobcore.RateRequest{})

	// What POST .../book answers: the Update's small result (#13), every
	// field a VisitUpdateResult field, well under the limit.
	var res visit.VisitUpdateResult
	load("book-answer.json", &res)
	assert.Equal(t, visit.StatusBooked, res.Status)
	require.NotNil(t, res.AppointmentAt)
	require.NotNil(t, res.ReminderAt)
	assert.Equal(t, time.Hour, res.AppointmentAt.Sub(*res.ReminderAt), "V-7: the reminder call 1 h before")
	var book visit.BookRequest
	load("book.json", &book)
	assert.True(t, book.At.Equal(*res.AppointmentAt), "the answer to book.json's time")
	raw, err := os.ReadFile(filepath.Join(dir, "book-answer.json"))
	require.NoError(t, err)
	assert.Less(t, len(raw), jobcore.MaxUpdateResultBytes)
	// Issue #13: a chat message is the partner app's ref and link, no text.
	chat, err := os.ReadFile(filepath.Join(dir, "task-chat.json"))
	require.NoError(t, err)
	_, verr = buildChat(chat, jobcore.Actor{Role: roleAssistant, ID: "vpa-7"})
	assert.Nil(t, verr)

	f, err := os.Open(filepath.Join(dir, "bookings.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var codes []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var b BookingRequest
		require.Nil(t, DecodeStrict(sc.Bytes(), &b))
		_, verr := b.Validate(b.Partner, now)
		if verr != nil {
			codes = append(codes, verr.Code)
		} else {
			codes = append(codes, "ok")
		}
	}
	assert.Equal(t, []string{"ok", "ok", "invalid_phone", "ok", "unknown_market"}, codes)
}
