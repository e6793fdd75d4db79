package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
)

// hashVersion prefixes every hashed encoding so a change of encoding never
// makes two different states hash alike.
const hashVersion = "devarch-plan-state/v1"

// StateHash is a sha256 over a canonical encoding of everything a plan
// assumes: the desired state (secret values included, so a changed secret
// makes a saved plan stale; only the hash is kept), the applied snapshot,
// the live containers (name, instance, state, image, lineage) and whether
// the plan destroys. Container health is left out: it moves on its own
// (starting → healthy) without anything a plan would do differently.
func StateHash(in Input) string { return stateHashOf(basisOf(in), in.Destroy) }

// stateHashOf combines the hashes of a basis into the state hash.
func stateHashOf(b Basis, destroy bool) string {
	h := sha256.New()
	h.Write([]byte(hashVersion + "\x00"))
	h.Write([]byte(b.DesiredHash + "\x00" + b.AppliedHash + "\x00" + liveHash(b.Live) + "\x00"))
	if b.Images != "" {
		h.Write([]byte("images " + b.Images + "\x00"))
	}
	if destroy {
		h.Write([]byte("destroy"))
	}
	if len(b.Instances) > 0 {
		h.Write([]byte("instances\x00" + strings.Join(b.Instances, "\x00")))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// scopedBasisOf is the basis of a plan limited to instances (sorted): the
// whole desired state, and of the applied snapshot, the live containers,
// the build digests and the image IDs only what belongs to those
// instances. The applied part is
// the instances' services and the wires and unresolved imports they
// consume, without the snapshot's stack-wide fields (serial, order),
// which an apply of other instances rewrites; an absent snapshot counts
// as one without those instances. Stack-wide settings are covered by the
// desired state: they change only with an edit, which bumps the serial.
func scopedBasisOf(in Input, instances []string) Basis {
	set := map[string]bool{}
	for _, i := range instances {
		set[i] = true
	}
	var applied core.Desired
	if in.Applied != nil {
		for _, s := range in.Applied.Services {
			if set[s.Instance] {
				applied.Services = append(applied.Services, s)
			}
		}
		for _, w := range in.Applied.Wires {
			if set[w.Consumer] {
				applied.Wires = append(applied.Wires, w)
			}
		}
		for _, u := range in.Applied.Unresolved {
			if set[u.Consumer] {
				applied.Unresolved = append(applied.Unresolved, u)
			}
		}
	}
	scoped := in
	scoped.Applied = &applied
	scoped.Builds, scoped.AppliedBuilds = scopeMap(in.Builds, set), scopeMap(in.AppliedBuilds, set)
	scoped.Images, scoped.AppliedImages = scopeMap(in.Images, set), scopeMap(in.AppliedImages, set)
	scoped.Live = nil
	for _, c := range in.Live {
		if set[c.Instance] {
			scoped.Live = append(scoped.Live, c)
		}
	}
	b := basisOf(scoped)
	b.AppliedSerial = 0
	b.Instances = slices.Clone(instances)
	return b
}

// scopeMap is m (by instance) limited to the instances of set; nil when
// none is left.
func scopeMap[V any](m map[string]V, set map[string]bool) map[string]V {
	var out map[string]V
	for k, v := range m {
		if set[k] {
			if out == nil {
				out = map[string]V{}
			}
			out[k] = v
		}
	}
	return out
}

// currentBasis is the basis of in as saved's was computed: for its
// instances only when it is scoped.
func currentBasis(saved Plan, in Input) Basis {
	if len(saved.Basis.Instances) > 0 {
		return scopedBasisOf(in, saved.Basis.Instances)
	}
	return basisOf(in)
}

// basisOf computes the per-part hashes Staleness compares.
func basisOf(in Input) Basis {
	b := Basis{DesiredHash: desiredHash(&in.Desired), AppliedHash: desiredHash(in.Applied), Images: imagesHash(in)}
	if in.Applied != nil {
		b.AppliedSerial = in.Applied.Serial
	}
	if len(in.Live) > 0 {
		b.Live = make([]LiveContainer, len(in.Live))
		for i, c := range in.Live {
			c.Health = ""
			c.Name = strings.TrimPrefix(c.Name, "/")
			b.Live[i] = c
		}
		slices.SortFunc(b.Live, func(x, y LiveContainer) int {
			if c := strings.Compare(x.Name, y.Name); c != 0 {
				return c
			}
			return strings.Compare(x.Instance, y.Instance)
		})
	}
	return b
}

// desiredHash hashes the JSON encoding of d, which is canonical: struct
// fields in declaration order, map keys sorted. nil hashes as "none".
func desiredHash(d *core.Desired) string {
	if d == nil {
		return "none"
	}
	h := sha256.New()
	h.Write([]byte(hashVersion + "\x00"))
	// Encoded straight into the hash: the encoding of a 500-instance
	// state is over a megabyte. An Encoder ends it with a newline, which
	// json.Marshal does not: withoutLastByte leaves it out.
	w := &withoutLastByte{w: h}
	if err := json.NewEncoder(w).Encode(d); err != nil {
		// A Desired is plain data; marshalling cannot fail for it. Fall
		// back to a value that never matches a real hash.
		return "unencodable"
	}
	return hex.EncodeToString(h.Sum(nil))
}

// withoutLastByte passes on to w everything written but the last byte.
type withoutLastByte struct {
	w       io.Writer
	last    byte
	pending bool
}

func (l *withoutLastByte) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if l.pending {
		if _, err := l.w.Write([]byte{l.last}); err != nil {
			return 0, err
		}
	}
	if _, err := l.w.Write(p[:len(p)-1]); err != nil {
		return 0, err
	}
	l.last, l.pending = p[len(p)-1], true
	return len(p), nil
}

// liveHash hashes live containers, already sorted and stripped of health.
func liveHash(cs []LiveContainer) string {
	h := sha256.New()
	for _, c := range cs {
		h.Write([]byte(strings.Join([]string{c.Name, c.Instance, c.State, c.Image, c.Lineage}, "\x00") + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// imagesHash hashes the build digests and image IDs of in (their sums, by
// instance), "" when it has none.
func imagesHash(in Input) string {
	if len(in.Builds) == 0 && len(in.Images) == 0 && len(in.AppliedBuilds) == 0 && len(in.AppliedImages) == 0 {
		return ""
	}
	sums := func(m map[string]core.BuildDigest) map[string]string {
		out := map[string]string{}
		for k, d := range m {
			out[k] = d.Sum
		}
		return out
	}
	data, _ := json.Marshal([]any{sums(in.Builds), sums(in.AppliedBuilds), in.Images, in.AppliedImages})
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
