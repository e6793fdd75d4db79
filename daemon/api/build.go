package api

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"runtime/debug"
	"sync"
)

// Build is the build id `make build` sets with
// -ldflags "-X github.com/devarch-dev/devarch/daemon/api.Build=...";
// empty in a plain `go build`, where BuildID derives one from the binary.
var Build = ""

var buildID = sync.OnceValue(computeBuildID)

// BuildID names the build of the running binary: Build when it is set,
// otherwise the VCS revision the binary was built from (when known)
// followed by a hash of the executable's content. Two binaries with the
// same build id come from the same build; the CLI restarts a daemon that
// reports another one (README.md, "The daemon"). It is computed once, on
// first use: the daemon calls it at start, before its executable can be
// replaced by an install.
func BuildID() string { return buildID() }

func computeBuildID() string {
	if Build != "" {
		return Build
	}
	id := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				id = s.Value[:12] + "-"
			}
		}
	}
	return id + executableHash()
}

// executableHash is a short hash naming the running executable's content,
// or "unknown" when it cannot be read. It hashes the Go build id the
// toolchain stores in the binary (itself a hash of the build's inputs and
// output: a few bytes to read, not the whole file), or the whole file when
// there is none. /proc/self/exe is the file the process runs even after it
// was replaced or removed.
func executableHash() string {
	path := "/proc/self/exe"
	if _, err := os.Stat(path); err != nil {
		if path, err = os.Executable(); err != nil {
			return "unknown"
		}
	}
	h := sha256.New()
	if id := goBuildID(path); id != nil {
		h.Write(id)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "unknown"
		}
		defer f.Close()
		if _, err := io.Copy(h, f); err != nil {
			return "unknown"
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// goBuildID is the content of the ELF note the Go linker writes
// (.note.go.buildid: name "Go", type 4, the build id as description), or
// nil.
func goBuildID(path string) []byte {
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return nil
	}
	note, err := sec.Data()
	if err != nil || len(note) < 16 {
		return nil
	}
	bo := f.ByteOrder
	namesz, descsz := bo.Uint32(note[0:]), bo.Uint32(note[4:])
	off := 12 + (uint64(namesz)+3)&^3
	if uint64(len(note)) < off+uint64(descsz) || descsz == 0 {
		return nil
	}
	return note[off : off+uint64(descsz)]
}
