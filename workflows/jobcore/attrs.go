package jobcore

import (
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Publisher writes a flow's search attributes, written once for every flow
// (issue #13): each Publish names the attributes with their current values
// and only those that differ from what was last written go into one
// upsert (none when nothing changed: fewer history events). Ids, codes and
// times only, never personal data (V-14).
//
// An unwritten attribute counts as empty, so an empty value is not written
// until it was set (Unset clears a set one instead); First marks an
// attribute written at the first publish whatever its value (the status,
// so the first upsert command stays where recorded histories have it).
type Publisher struct {
	written   map[string]string
	published bool
}

// Attr is one search attribute's current value; build it with Keyword,
// Keywords, Time or Int.
type Attr struct {
	name   string
	value  string // comparable form; "" is empty
	set    func() temporal.SearchAttributeUpdate
	unset  func() temporal.SearchAttributeUpdate
	first  bool
	cleans bool
}

// First writes the attribute at the first publish even when it is empty
// or the start already set it.
func (a Attr) First() Attr { a.first = true; return a }

// Unset clears the attribute when its value becomes empty (a buddy who
// released the visit); without it an emptied value is left as written.
func (a Attr) Unset() Attr { a.cleans = true; return a }

// Keyword is a Keyword attribute.
func Keyword(k temporal.SearchAttributeKeyKeyword, v string) Attr {
	return Attr{name: k.GetName(), value: v, set: func() temporal.SearchAttributeUpdate { return k.ValueSet(v) },
		unset: func() temporal.SearchAttributeUpdate { return k.ValueUnset() }}
}

// Keywords is a KeywordList attribute.
func Keywords(k temporal.SearchAttributeKeyKeywordList, v []string) Attr {
	return Attr{name: k.GetName(), value: strings.Join(v, "\x00"), set: func() temporal.SearchAttributeUpdate { return k.ValueSet(v) },
		unset: func() temporal.SearchAttributeUpdate { return k.ValueUnset() }}
}

// Time is a Datetime attribute; the zero time is empty.
func Time(k temporal.SearchAttributeKeyTime, v time.Time) Attr {
	s := ""
	if !v.IsZero() {
		s = v.UTC().Format(time.RFC3339Nano)
	}
	return Attr{name: k.GetName(), value: s, set: func() temporal.SearchAttributeUpdate { return k.ValueSet(v) },
		unset: func() temporal.SearchAttributeUpdate { return k.ValueUnset() }}
}

// Int is an Int attribute; zero is empty.
func Int(k temporal.SearchAttributeKeyInt64, v int) Attr {
	s := ""
	if v != 0 {
		s = strconv.Itoa(v)
	}
	return Attr{name: k.GetName(), value: s, set: func() temporal.SearchAttributeUpdate { return k.ValueSet(int64(v)) },
		unset: func() temporal.SearchAttributeUpdate { return k.ValueUnset() }}
}

// Seed records values the start already wrote (the API sets them with the
// workflow's start), so the first publish does not write them again.
func (p *Publisher) Seed(attrs ...Attr) {
	if p.written == nil {
		p.written = map[string]string{}
	}
	for _, a := range attrs {
		p.written[a.name] = a.value
	}
}

// Published reports whether a first publish happened.
func (p *Publisher) Published() bool { return p.published }

// Publish upserts what changed, in the order given, and sets the current
// details the UI shows.
func (p *Publisher) Publish(ctx workflow.Context, details string, attrs ...Attr) {
	if p.written == nil {
		p.written = map[string]string{}
	}
	first := !p.published
	var ups []temporal.SearchAttributeUpdate
	for _, a := range attrs {
		old, had := p.written[a.name]
		switch {
		case first && a.first:
			if a.value == "" && a.cleans {
				ups = append(ups, a.unset())
			} else {
				ups = append(ups, a.set())
			}
		case a.value == old:
			continue
		case a.value == "":
			if !a.cleans || !had {
				continue
			}
			ups = append(ups, a.unset())
		default:
			ups = append(ups, a.set())
		}
		p.written[a.name] = a.value
	}
	p.published = true
	if len(ups) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
			workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
		}
	}
	workflow.SetCurrentDetails(ctx, details)
}
