package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// unknownJSONField walks the JSON document body against t, the type it
// decodes into, and returns the dotted path of the first object key t has
// no field for ("ports[0].hostport"), or "". Keys match json tags (and field
// names, case-insensitively, as encoding/json does); embedded structs'
// fields count as the outer struct's; a map takes any key; a type that
// decodes itself is checked against its fields when given as an object.
func unknownJSONField(body []byte, t reflect.Type) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	path, _ := walkJSON(dec, t, "")
	return path
}

// walkJSON consumes one value from dec; it returns the path of an unknown
// key, or a read error (the decode that follows reports those).
func walkJSON(dec *json.Decoder, t reflect.Type, path string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", err
			}
			key, _ := kt.(string)
			var vt reflect.Type
			switch {
			case t == nil:
			case t.Kind() == reflect.Map:
				vt = t.Elem()
			case t.Kind() == reflect.Struct:
				ft, ok := jsonField(t, key)
				if !ok {
					return joinJSON(path, key), nil
				}
				vt = ft
			}
			if p, err := walkJSON(dec, vt, joinJSON(path, key)); p != "" || err != nil {
				return p, err
			}
		}
		_, err := dec.Token()
		return "", err
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if p, err := walkJSON(dec, et, fmt.Sprintf("%s[%d]", path, i)); p != "" || err != nil {
				return p, err
			}
		}
		_, err := dec.Token()
		return "", err
	}
	return "", nil
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
