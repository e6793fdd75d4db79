package core

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// printedForms are the ways the tests below print a secret, each produced
// by the standard encoder a program would use, not by SecretForms.
func printedForms(t *testing.T, secret string) map[string]string {
	t.Helper()
	goJSON, err := json.Marshal(map[string]string{"password": secret})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"raw":                 "password: " + secret,
		"JSON, Go":            string(goJSON),
		"JSON, no HTML":       `{"password":"` + jsonNoHTML(t, secret) + `"}`,
		"JSON, ASCII only":    `{"password": "` + pythonJSON(secret) + `"}`,
		"URL query":           "GET /login?user=app&pass=" + url.QueryEscape(secret) + "&x=1",
		"URL query lowercase": "GET /login?pass=" + hexEscapeRE.ReplaceAllStringFunc(url.QueryEscape(secret), strings.ToLower),
		"URL path":            "GET /secrets/" + url.PathEscape(secret) + "/show",
		"URL userinfo":        (&url.URL{Scheme: "postgres", User: url.UserPassword("app", secret), Host: "db"}).String(),
		"base64 std":          "token " + base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64 URL":          "token=" + base64.URLEncoding.EncodeToString([]byte(secret)),
		"base64 raw URL":      "jwt." + base64.RawURLEncoding.EncodeToString([]byte(secret)) + ".sig",
		"basic auth":          "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("app:"+secret)),
		"basic auth, longer":  "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+secret+":x")),
		"basic auth, offset2": base64.StdEncoding.EncodeToString([]byte("ab:" + secret + "yz")),
	}
}

var hexEscapeRE = regexp.MustCompile(`%[0-9A-F]{2}`)

func jsonNoHTML(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	out := strings.TrimSpace(b.String())
	return out[1 : len(out)-1]
}

// pythonJSON is json.dumps(s)[1:-1] with ensure_ascii, written out by hand.
func pythonJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20:
			b.WriteString(`\u00` + string("0123456789abcdef"[r>>4]) + string("0123456789abcdef"[r&15]))
		case r < 0x80:
			b.WriteRune(r)
		default:
			for _, u := range utf16(r) {
				b.WriteString(`\u`)
				for shift := 12; shift >= 0; shift -= 4 {
					b.WriteByte("0123456789abcdef"[(u>>shift)&15])
				}
			}
		}
	}
	return b.String()
}

func utf16(r rune) []rune {
	if r <= 0xFFFF {
		return []rune{r}
	}
	r -= 0x10000
	return []rune{0xD800 + r>>10, 0xDC00 + r&0x3FF}
}

// TestScrubForms prints secrets the ways programs do and checks that no
// form of the secret survives and the text around it does.
func TestScrubForms(t *testing.T) {
	for _, secret := range []string{
		`Sec"Quote<é/+ ?&=💥x`, // the JSON-escaped secret that once got through
		"s3cret-pass",
		`back\slash&amp;`,
		"päss wörd/+=",
	} {
		forms := SecretForms(secret)
		for name, text := range printedForms(t, secret) {
			t.Run(secret+"/"+name, func(t *testing.T) {
				got := Scrub(text, []string{secret})
				if !strings.Contains(got, Redacted) {
					t.Fatalf("Scrub(%q) = %q: nothing hidden", text, got)
				}
				check := strings.ReplaceAll(got, Redacted, "\x00")
				for _, f := range forms {
					if strings.Contains(check, f) {
						t.Errorf("Scrub(%q) = %q: form %q survived", text, got, f)
					}
				}
				for _, word := range []string{"password", "Authorization", "token", "GET", "login", "jwt"} {
					if strings.Contains(text, word) && !strings.Contains(got, word) {
						t.Errorf("Scrub(%q) = %q: lost %q", text, got, word)
					}
				}
			})
		}
	}
}

func TestSecretForms(t *testing.T) {
	got := SecretForms("a<b c")
	for _, want := range []string{
		"a<b c", `a\u003cb c`, "a%3Cb+c", "a%3cb+c", "a%3Cb%20c", "a%3cb%20c",
		"YTxiIGM=", "YTxiIGM",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("SecretForms(%q) = %q: want %q among them", "a<b c", got, want)
		}
	}
	if got := SecretForms(""); got != nil {
		t.Errorf("SecretForms of an empty secret = %q", got)
	}
	// Short secrets have no base64 form: four letters of base64 are found
	// in ordinary output by chance.
	for _, f := range SecretForms("pw") {
		if f != "pw" {
			t.Errorf("SecretForms(pw) has %q", f)
		}
	}
}

// TestScrubNeverTouchesNames checks that devarch's names survive a secret
// equal to a common word or to part of a name, while the secret is hidden
// where it stands alone.
func TestScrubNeverTouchesNames(t *testing.T) {
	d := Desired{Stack: "uxsecretpostg", Services: []WiredService{
		{Service: Service{Instance: "db", Template: "postgres", Image: "docker.io/library/postgres:16",
			Env: map[string]EnvVar{"POSTGRES_PASSWORD": {Value: "secret", Secret: true}}}},
		{Service: Service{Instance: "pull", Template: "uxsecretpostg-pull",
			Env: map[string]EnvVar{"TOKEN": {Value: "pull", Secret: true}}}},
	}}
	sc := NewScrubber(OutputSecrets(&d), append(PublicNames(&d), Names(&d)...))
	for _, tc := range []struct{ in, want string }{
		{`Container devarch-uxsecretpostg-db Started`, `Container devarch-uxsecretpostg-db Started`},
		{`stack uxsecretpostg, template uxsecretpostg-pull`, `stack uxsecretpostg, template uxsecretpostg-pull`},
		{`db: password is secret`, `db: password is [REDACTED]`},
		// A secret equal to an instance name leaves the name alone.
		{`instance pull: pull image`, `instance pull: pull image`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := sc.Scrub(tc.in); got != tc.want {
				t.Errorf("Scrub(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
