// Package sms counts SMS segments the way Twilio (and the GSM networks)
// do, and makes text fit the GSM-7 alphabet where a faithful
// transliteration exists.
//
// GSM 03.38: a text made only of the basic character set and its extension
// table is sent as GSM-7; each basic character is one septet, each
// extension character (^ { } \ [ ~ ] | €, and form feed) is two (escape +
// character). One segment holds 160 septets; a concatenated message holds
// 153 per segment (the user data header takes 7), and an escape pair is
// never split across segments. Any other character forces UCS-2 for the
// whole message: 70 UTF-16 code units in one segment, 67 per segment when
// concatenated (a surrogate pair is never split).
package sms

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Encoding is the alphabet a message is sent in.
type Encoding string

const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// basic is the GSM 03.38 default alphabet (one septet each).
const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// extension is the GSM 03.38 extension table (escape + character: two septets).
const extension = "\f^{}\\[~]|€"

var basicSet, extSet = runeSet(basic), runeSet(extension)

func runeSet(s string) map[rune]bool {
	m := map[rune]bool{}
	for _, r := range s {
		if r != 0x1b { // the escape itself is not a character of text
			m[r] = true
		}
	}
	return m
}

// Count is how a text is sent: its encoding, its length in that encoding's
// units (septets or UTF-16 code units) and the number of segments.
type Count struct {
	Encoding Encoding
	Units    int
	Segments int
}

// Segments counts text as Twilio does.
func Segments(text string) Count {
	if text == "" {
		return Count{Encoding: GSM7}
	}
	if IsGSM7(text) {
		units := 0
		for _, r := range text {
			units += septets(r)
		}
		if units <= 160 {
			return Count{GSM7, units, 1}
		}
		// Concatenated: fill 153 septets a segment, never splitting an
		// escape pair.
		segs, used := 1, 0
		for _, r := range text {
			n := septets(r)
			if used+n > 153 {
				segs++
				used = 0
			}
			used += n
		}
		return Count{GSM7, units, segs}
	}
	units := 0
	for _, r := range text {
		units += utf16Len(r)
	}
	if units <= 70 {
		return Count{UCS2, units, 1}
	}
	segs, used := 1, 0
	for _, r := range text {
		n := utf16Len(r)
		if used+n > 67 {
			segs++
			used = 0
		}
		used += n
	}
	return Count{UCS2, units, segs}
}

// IsGSM7 reports whether every character of text is in the GSM-7 basic set
// or its extension table.
func IsGSM7(text string) bool {
	for _, r := range text {
		if !basicSet[r] && !extSet[r] {
			return false
		}
	}
	return true
}

func septets(r rune) int {
	if extSet[r] {
		return 2
	}
	return 1
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// translit maps characters outside GSM-7 that have no decomposition to a
// base letter (or whose decomposition is wrong for a name) to their usual
// Latin spelling. Characters with diacritics that decompose (ń, č, ő, ş ...)
// are handled by stripping the marks.
var translit = map[rune]string{
	'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D", 'ð': "d", 'Ð': "D", 'þ': "th", 'Þ': "Th",
	'ı': "i", 'ħ': "h", 'Ħ': "H", 'ŀ': "l", 'Ŀ': "L", 'œ': "oe", 'Œ': "OE", 'ĳ': "ij", 'Ĳ': "IJ",
	'–': "-", '—': "-", '‐': "-", '‑': "-", '−': "-", '‘': "'", '’': "'", '‚': "'", '‛': "'",
	'“': "\"", '”': "\"", '„': "\"", '«': "\"", '»': "\"", '…': "...", '\u00a0': " ", '\u202f': " ",
	'\u2009': " ", '\t': " ", 'ç': "c", 'á': "a", 'Á': "A", 'í': "i", 'Í': "I", 'ó': "o", 'Ó': "O", 'ú': "u", 'Ú': "U",
}

// ToGSM7 returns text unchanged when it is GSM-7; otherwise it replaces
// every character outside GSM-7 by its transliteration (ł→l, ń→n, ş→s,
// typographic dashes and quotes by ASCII), keeping the GSM-7 letters
// (å ä ö ø æ ü é ß ...) as they are. A character with no Latin rendering
// (Cyrillic, Greek lower case, emoji ...) is kept, and the message then goes
// as UCS-2: better two segments than a garbled name.
func ToGSM7(text string) string {
	if IsGSM7(text) {
		return text
	}
	var b strings.Builder
	for _, r := range text {
		switch {
		case basicSet[r] || extSet[r]:
			b.WriteRune(r)
		case translit[r] != "":
			b.WriteString(translit[r])
		default:
			b.WriteString(stripMarks(r))
		}
	}
	return b.String()
}

// stripMarks decomposes r (NFD) and drops the combining marks when what is
// left is GSM-7; otherwise r stays.
func stripMarks(r rune) string {
	var b strings.Builder
	for _, d := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		b.WriteRune(d)
	}
	if s := b.String(); s != "" && IsGSM7(s) {
		return s
	}
	return string(r)
}
