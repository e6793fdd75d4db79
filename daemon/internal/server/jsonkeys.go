package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/devarch-dev/devarch/core"
)

// jsonProblem walks the JSON document body against t, the type it decodes
// into, and returns the first key or value t refuses, named by its dotted
// path ("ports[1].container", "env.KEY"), or nil: a key t has no field for,
// a key given twice in one object (encoding/json would keep the last one
// silently; devarch.yml refuses duplicates too), and a value of the wrong
// type or one its type's own decoder refuses (a negative duration). Keys
// match json tags (and field names, case-insensitively, as encoding/json
// does); embedded structs' fields count as the outer struct's; a map takes
// any key; a type that decodes itself is checked against its fields when
// given as an object. body must be valid JSON within encoding/json's depth
// limit (decodeJSON checks it first): the walk recurses once per level.
func jsonProblem(body []byte, t reflect.Type) *core.FieldError {
	fe, _ := walkJSON(json.NewDecoder(bytes.NewReader(body)), t, "", false)
	return fe
}

// walkJSON consumes one value from dec; it returns the problem found in it,
// or a read error (the decode that follows reports those). self says that
// t's own decoder already accepted the value.
func walkJSON(dec *json.Decoder, t reflect.Type, path string, self bool) (*core.FieldError, error) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && !self && decodesValue(t) {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			return valueProblem(path, err), nil
		}
		if t.Kind() != reflect.Struct || !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
			return nil, nil
		}
		return walkJSON(json.NewDecoder(bytes.NewReader(raw)), t, path, true)
	}
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if t != nil && tok != nil {
		if want := jsonContainer(t.Kind()); want != "" && want != tokenKind(tok) {
			return core.Errf(pathOr(path), fmt.Sprintf("must be a JSON %s, got %s", want, tokenKind(tok))), nil
		}
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := kt.(string)
			var vt reflect.Type
			id := key
			switch {
			case t == nil:
			case t.Kind() == reflect.Map:
				vt = t.Elem()
			case t.Kind() == reflect.Struct:
				ft, ok := jsonField(t, key)
				if !ok {
					return core.Errf(joinJSON(path, key), "unknown field"), nil
				}
				vt, id = ft, strings.ToLower(key)
			}
			if seen[id] {
				return core.Errf(joinJSON(path, key), "is given twice in one object"), nil
			}
			seen[id] = true
			if fe, err := walkJSON(dec, vt, joinJSON(path, key), false); fe != nil || err != nil {
				return fe, err
			}
		}
		_, err := dec.Token()
		return nil, err
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if fe, err := walkJSON(dec, et, fmt.Sprintf("%s[%d]", path, i), false); fe != nil || err != nil {
				return fe, err
			}
		}
		_, err := dec.Token()
		return nil, err
	}
	return nil, nil
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// decodesValue reports whether a value of t is checked by decoding it whole:
// a type with its own decoder, or one that holds no keys (a string, a
// number, a boolean, bytes).
func decodesValue(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Array, reflect.Interface:
		return false
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Uint8
	}
	return true
}

// valueProblem names the rule a value broke, never quoting the value (it
// may be a secret), except a number too large for its field.
func valueProblem(path string, err error) *core.FieldError {
	var (
		typ *json.UnmarshalTypeError
		fe  *core.FieldError
	)
	switch {
	case errors.As(err, &typ):
		field := path
		if typ.Field != "" {
			field = joinJSON(path, typ.Field)
		}
		want := jsonKind(typ.Type.Kind().String())
		if got, ok := strings.CutPrefix(typ.Value, "number "); ok && want == "number" {
			return core.Errf(pathOr(field), fmt.Sprintf("%s is out of range for a %s", got, typ.Type.Kind()))
		}
		return core.Errf(pathOr(field), fmt.Sprintf("must be a JSON %s, got %s", want, typ.Value))
	case errors.As(err, &fe):
		return &core.FieldError{Field: pathOr(path), Rule: fe.Rule, Hint: fe.Hint}
	}
	return core.Errf(pathOr(path), err.Error())
}

// jsonContainer is the JSON kind a value of a struct, map or slice kind
// must have ("" for other kinds).
func jsonContainer(k reflect.Kind) string {
	switch k {
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return ""
}

// tokenKind names the JSON kind of a value's first token.
func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('{') {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// pathOr is path, or "body" for the document itself.
func pathOr(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// jsonField is the type of t's field for JSON key key: a field of t's own
// first, then one of an embedded struct's.
func jsonField(t reflect.Type, key string) (reflect.Type, bool) {
	var fold reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() || (f.Anonymous && name == "") {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f.Type, true
		}
		if fold == nil && strings.EqualFold(name, key) {
			fold = f.Type
		}
	}
	if fold != nil {
		return fold, true
	}
	for i := range t.NumField() {
		f := t.Field(i)
		et := f.Type
		if et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		if f.Anonymous && f.Tag.Get("json") == "" && et.Kind() == reflect.Struct {
			if ft, ok := jsonField(et, key); ok {
				return ft, true
			}
		}
	}
	return nil, false
}

func joinJSON(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}
