package core

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Programs print a secret in more forms than the value itself: inside JSON,
// in a URL, base64-encoded in a header or a token. SecretForms lists those
// Scrub hides besides the value (README.md, "Redaction").
//
// minBase64Secret is the shortest secret whose base64 forms are hidden, and
// minShiftedBase64 the shortest whose base64 is also found inside a longer
// encoded text (a secret after "user:" in an HTTP Basic credential): shorter
// encodings are a few letters that ordinary output contains by chance.
const (
	minBase64Secret  = 4
	minShiftedBase64 = 8
)

// SecretForms returns v and the forms it may be printed in: JSON-escaped
// (as Go writes it, with and without HTML escaping, and with every
// non-ASCII character as \uXXXX as Python writes it), URL-encoded (query, path and
// userinfo escaping, upper- and lowercase hex) and base64 (standard and URL
// alphabets, padded and not, and for a secret of at least 8 bytes the part
// of its encoding that stays the same wherever it starts in a longer encoded
// text). Without duplicates; empty when v is empty.
func SecretForms(v string) []string {
	if v == "" {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	add(v)
	for _, f := range jsonForms(v) {
		add(f)
	}
	for _, f := range []string{url.QueryEscape(v), url.PathEscape(v), userinfoEscape(v)} {
		add(f)
		add(lowerHexEscapes(f))
	}
	if len(v) >= minBase64Secret {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			add(enc.EncodeToString([]byte(v)))
			raw := enc.WithPadding(base64.NoPadding)
			add(raw.EncodeToString([]byte(v)))
			if len(v) >= minShiftedBase64 {
				for shift := range 3 {
					add(base64Core(raw, v, shift))
				}
			}
		}
	}
	return out
}

// jsonForms returns v as the inside of a JSON string, in the escapings
// JSON writers use.
func jsonForms(v string) []string {
	var out []string
	for _, html := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(v) == nil {
			s := strings.TrimSuffix(b.String(), "\n")
			out = append(out, s[1:len(s)-1])
		}
	}
	// ensure_ascii: every non-ASCII character as \uXXXX (a surrogate pair
	// beyond the BMP), in lowercase hex.
	plain := out[len(out)-1]
	var b strings.Builder
	for _, r := range plain {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return append(out, b.String())
}

// userinfoEscape is v escaped as the password of a URL's userinfo
// (postgres://user:PASSWORD@host), which escapes another set than a path.
func userinfoEscape(v string) string {
	u := (&url.URL{User: url.UserPassword("u", v)}).String()
	return strings.TrimSuffix(strings.TrimPrefix(u, "//u:"), "@")
}

// lowerHexEscapes rewrites the %XX escapes of s in lowercase hex.
func lowerHexEscapes(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = lowerHex(b[i+1])
			b[i+2] = lowerHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + ('a' - 'A')
	}
	return c
}

// base64Core is the part of the unpadded encoding of v that is the same
// whenever v starts shift bytes (mod 3) into the encoded data, whatever the
// bytes around it: the characters whose six bits all come from v.
func base64Core(enc *base64.Encoding, v string, shift int) string {
	data := append(make([]byte, shift), v...)
	s := enc.EncodeToString(data)
	from := (8*shift + 5) / 6
	to := 8 * len(data) / 6
	if from >= to {
		return ""
	}
	return s[from:to]
}
