package core

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// PortChange says how a copy of an instance or a stack treats the host
// ports its instances publish: shifted by Offset, or dropped (NoPorts).
// The zero value keeps them as they are.
type PortChange struct {
	Offset  int
	NoPorts bool
}

// Check reports an error when both an offset and NoPorts are asked for.
func (c PortChange) Check() error {
	if c.NoPorts && c.Offset != 0 {
		return Errf("port_offset", "cannot be combined with no_ports")
	}
	return nil
}

// ShiftPorts returns ports with every published host port (Host > 0) moved
// by offset; container ports and unpublished ports stay. A host port
// outside 1..65535 after the shift is an error naming instance and port.
func ShiftPorts(instance string, ports []Port, offset int) ([]Port, error) {
	out := slices.Clone(ports)
	for i, p := range out {
		if p.Host == 0 || offset == 0 {
			continue
		}
		// An offset beyond ±65535 moves any port out of range; it is
		// refused before the sum, which could wrap around near the int
		// limits and print a port never asked for.
		if offset > 65535 || offset < -65535 {
			return nil, &FieldError{Field: "instances." + instance + ".ports",
				Rule: fmt.Sprintf("host port %d shifted by %d is outside 1..65535", p.Host, offset)}
		}
		h := p.Host + offset
		if h < 1 || h > 65535 {
			return nil, &FieldError{Field: "instances." + instance + ".ports",
				Rule: fmt.Sprintf("host port %d shifted by %d is %d, outside 1..65535", p.Host, offset, h)}
		}
		out[i].Host = h
	}
	return out, nil
}

// ApplyPortChange changes the host ports inst publishes (its effective
// ports: its own override, else its template's) as c says, setting them
// as inst's ports override when they change. tpl is inst's template.
func ApplyPortChange(inst *Instance, tpl Template, c PortChange) error {
	if err := c.Check(); err != nil {
		return err
	}
	eff := pickSlice(inst.Overrides.Ports, tpl.Ports)
	switch {
	case c.NoPorts:
		if !slices.ContainsFunc(eff, func(p Port) bool { return p.Host > 0 }) {
			return nil
		}
		kept := slices.DeleteFunc(slices.Clone(eff), func(p Port) bool { return p.Host > 0 })
		if kept == nil {
			kept = []Port{}
		}
		inst.Overrides.Ports = &kept
	case c.Offset != 0:
		if !slices.ContainsFunc(eff, func(p Port) bool { return p.Host > 0 }) {
			return nil
		}
		shifted, err := ShiftPorts(inst.Name, eff, c.Offset)
		if err != nil {
			return err
		}
		inst.Overrides.Ports = &shifted
	}
	return nil
}

// CopyStack returns a deep copy of src named newName, every instance's
// host ports changed as c says (tpls are the templates of src's
// instances), with no identity: the caller stamps its lineage, serial and
// times. Secret values are copied as they are; they never leave the copy.
func CopyStack(src Stack, tpls map[string]Template, newName string, c PortChange) (Stack, error) {
	if err := ValidateStackName(newName); err != nil {
		return Stack{}, err
	}
	if err := c.Check(); err != nil {
		return Stack{}, err
	}
	b, err := json.Marshal(src)
	if err != nil {
		return Stack{}, fmt.Errorf("copy stack %s: %w", src.Name, err)
	}
	var out Stack
	if err := json.Unmarshal(b, &out); err != nil {
		return Stack{}, fmt.Errorf("copy stack %s: %w", src.Name, err)
	}
	out.Name = newName
	out.Lineage, out.Serial, out.CreatedAt, out.UpdatedAt = "", 0, time.Time{}, time.Time{}
	for i := range out.Instances {
		out.Instances[i].Stopped = false // a stop is the source's containers'
		if err := ApplyPortChange(&out.Instances[i], tpls[out.Instances[i].Template], c); err != nil {
			return Stack{}, err
		}
	}
	return out, nil
}
