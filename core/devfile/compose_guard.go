package devfile

import "fmt"

// guardLoad runs a compose-go load, turning a panic of the loader (some
// malformed shapes, such as an env_file entry that is a mapping without a
// path, make it panic) into an error naming the file. The panic's value is
// left out: it may quote the file.
func guardLoad[T any](filename string, load func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, fmt.Errorf("%s: compose cannot read this file: a key holds a value of a shape compose does not accept", filename)
		}
	}()
	return load()
}
