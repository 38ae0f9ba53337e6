package config

import (
	"fmt"
	"slices"
	"strings"
)

// Defined is a process the Procfile defines: its name, and its line.
type Defined struct {
	Name string
	Line int
}

// Check checks f against the processes the Procfile defines (procfile
// names the file): every process has one command, from one of the two
// files; every dependency is a process, and what it waits for can happen
// (a readiness probe to be healthy, a ready_log_line to be written); the
// dependencies make no cycle. It returns the processes of both files, in
// an order each can start in: every process after those it depends on,
// the Procfile's first, as they come.
func Check(f *File, procfile string, defined []Defined) ([]string, error) {
	inProcfile := map[string]int{}
	var names []string
	for _, d := range defined {
		inProcfile[d.Name] = d.Line
		names = append(names, d.Name)
	}
	for _, p := range f.Processes {
		line, ok := inProcfile[p.Name]
		switch {
		case ok && p.Command != "":
			return nil, &Error{f.Path, p.CommandPos, fmt.Sprintf("%s has a command here and in %s:%d: give it in one place", p.Name, procfile, line)}
		case !ok && p.Command == "":
			return nil, &Error{f.Path, p.Pos, fmt.Sprintf("%s has no command: it is not in %s, and gives none here (command: ...)", p.Name, procfile)}
		case !ok:
			names = append(names, p.Name)
		}
	}
	for _, p := range f.Processes {
		for _, d := range p.DependsOn {
			dep := f.Lookup(d.Name)
			_, inPF := inProcfile[d.Name]
			switch {
			case d.Name == p.Name:
				return nil, &Error{f.Path, d.Pos, fmt.Sprintf("%s depends on itself", p.Name)}
			case dep == nil && !inPF:
				return nil, &Error{f.Path, d.Pos, fmt.Sprintf("%s depends on %q, which is no process (valid: %s)", p.Name, d.Name, strings.Join(names, ", "))}
			case d.Condition == Healthy && (dep == nil || dep.Readiness == nil):
				return nil, &Error{f.Path, d.Pos, fmt.Sprintf("%s waits for %s to be healthy, but %s has no readiness_probe (or ready)", p.Name, d.Name, d.Name)}
			case d.Condition == LogReady && (dep == nil || dep.ReadyLine == nil):
				return nil, &Error{f.Path, d.Pos, fmt.Sprintf("%s waits for a ready line of %s's, but %s has no ready_log_line", p.Name, d.Name, d.Name)}
			}
		}
	}
	if cycle := findCycle(f, names); cycle != nil {
		at := f.Lookup(cycle[0])
		var d Pos
		for _, dep := range at.DependsOn {
			if dep.Name == cycle[1] {
				d = dep.Pos
			}
		}
		return nil, &Error{f.Path, d, "a cycle of dependencies: " + strings.Join(cycle, " -> ")}
	}
	return order(f, names), nil
}

// findCycle returns a cycle of dependencies, its first process again at
// its end, or nil.
func findCycle(f *File, names []string) []string {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(name string) []string
	visit = func(name string) []string {
		switch state[name] {
		case onPath:
			i := slices.Index(path, name)
			return append(slices.Clone(path[i:]), name)
		case done:
			return nil
		}
		state[name] = onPath
		path = append(path, name)
		if p := f.Lookup(name); p != nil {
			for _, d := range p.DependsOn {
				if c := visit(d.Name); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		return nil
	}
	for _, n := range names {
		if c := visit(n); c != nil {
			return c
		}
	}
	return nil
}

// order lists names so that each comes after what it depends on, and
// otherwise as given. There is no cycle.
func order(f *File, names []string) []string {
	placed := map[string]bool{}
	var out []string
	var place func(name string)
	place = func(name string) {
		if placed[name] {
			return
		}
		placed[name] = true
		if p := f.Lookup(name); p != nil {
			for _, d := range p.DependsOn {
				place(d.Name)
			}
		}
		out = append(out, name)
	}
	for _, n := range names {
		place(n)
	}
	return out
}
