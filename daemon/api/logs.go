package api

import (
	"regexp"
	"time"
)

// sinceUnix is a Unix time in seconds, with an optional fraction.
var sinceUnix = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,9})?$`)

// CheckLogsSince reports what is wrong with the since of a logs request
// ("" when nothing): a duration back from now (10m, 1h30m), an RFC 3339
// time, a date (2006-01-02) or Unix seconds, as the engines' logs --since
// take it.
func CheckLogsSince(s string) string {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return "must not be a negative duration"
		}
		return ""
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return ""
		}
	}
	if sinceUnix.MatchString(s) {
		return ""
	}
	return "must be a duration like 10m, a time like 2006-01-02T15:04:05Z, a date, or Unix seconds"
}
