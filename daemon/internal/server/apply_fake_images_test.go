package server

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.yaml.in/yaml/v4"
)

// fakeImages is the fake runtime's image store: the local images by ref,
// the builds and pulls asked for, and hooks to fail them. Its fields are
// guarded by the fakeRuntime's lock.
type fakeImages struct {
	images   map[string]string // ref -> image ID
	builds   [][]string        // services of each Build call
	pulls    []string          // refs pulled, in order
	buildErr error
	pullErr  error
	// rmImagesErr fails RemoveImages.
	rmImagesErr error
	nextID      int
}

// Build gives each built service's image a new ID.
func (f *fakeRuntime) Build(ctx context.Context, project string, composeYAML []byte, workdir string, services []string, progress func(string)) error {
	var doc composeDoc
	if err := yaml.Unmarshal(composeYAML, &doc); err != nil {
		return fmt.Errorf("fake: parse compose yaml: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.builds = append(f.builds, slices.Clone(services))
	if f.buildErr != nil {
		return f.buildErr
	}
	for _, svc := range services {
		def, ok := doc.Services[svc]
		if !ok {
			return fmt.Errorf("fake: build of unknown service %q", svc)
		}
		progress("#1 building " + svc)
		f.setImageLocked(def.Image)
	}
	return nil
}

func (f *fakeRuntime) Pull(ctx context.Context, refs []string, timeout time.Duration, progress func(string)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pullErr != nil {
		return f.pullErr
	}
	for _, r := range refs {
		f.pulls = append(f.pulls, r)
		progress("pulled " + r)
	}
	return nil
}

func (f *fakeRuntime) ImageIDs(ctx context.Context, refs []string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for _, r := range refs {
		if id, ok := f.images[r]; ok {
			out[r] = id
		}
	}
	return out, nil
}

// RemoveImages removes the refs the fake has; rmImagesErr fails it.
func (f *fakeRuntime) RemoveImages(ctx context.Context, refs []string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rmImagesErr != nil {
		return nil, f.rmImagesErr
	}
	var removed []string
	for _, r := range refs {
		if _, ok := f.images[r]; ok {
			delete(f.images, r)
			removed = append(removed, r)
		}
	}
	return removed, nil
}

// setImage points ref at a new image ID (a rebuild, pull or re-tag) and
// returns it.
func (f *fakeRuntime) setImage(ref string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.setImageLocked(ref)
}

func (f *fakeRuntime) setImageLocked(ref string) string {
	if f.images == nil {
		f.images = map[string]string{}
	}
	f.nextID++
	id := fmt.Sprintf("sha256:%04x%060d", f.nextID, f.nextID)
	f.images[ref] = id
	return id
}

func (f *fakeRuntime) buildCalls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.builds)
}
