package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// Every flag can be set by a COMPOSER_ variable, from the environment or
// an env file; a message about a flag's value says where it came from.

// envKey is the variable that can set a flag: --can-die is COMPOSER_CAN_DIE.
func envKey(flag string) string {
	return "COMPOSER_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// origin is where the value of a flag set by a COMPOSER_ variable came
// from: the variable, and the env file and line that set it ("" for the
// environment).
type origin struct {
	key, where string
}

// origins records the origin of each flag set by a variable; a flag not
// in it is the command line's (or its default).
type origins map[string]origin

// name names a flag in a message about it: "--restart",
// ".env:3: COMPOSER_RESTART" or "COMPOSER_RESTART (from the environment)".
func (o origins) name(flag string) string {
	src, ok := o[flag]
	switch {
	case !ok:
		return "--" + flag
	case src.where != "":
		return src.where + ": " + src.key
	}
	return src.key + " (from the environment)"
}

// value names a flag with its value v: "--timeout -1s",
// `.env:3: COMPOSER_TIMEOUT="banana"`, ...
func (o origins) value(flag, v string) string {
	if src, ok := o[flag]; ok {
		return variable(src.key, v, src.where)
	}
	if v == "" || strings.ContainsAny(v, " \t\"'") {
		v = strconv.Quote(v)
	}
	return "--" + flag + " " + v
}

// variable names key=v as set at where, an env file's "path:line", or in
// the environment ("").
func variable(key, v, where string) string {
	if where != "" {
		return fmt.Sprintf("%s: %s=%q", where, key, v)
	}
	return fmt.Sprintf("%s=%q (from the environment)", key, v)
}

// lookupFunc finds a variable: its value, and where it is set (as for
// variable).
type lookupFunc func(key string) (v, where string, ok bool)

func environment(key string) (string, string, bool) {
	v, ok := os.LookupEnv(key)
	return v, "", ok
}

// setFromVars sets each flag not yet set, and not in skip, from its
// COMPOSER_ variable found by lookup, and records its origin in o.
func setFromVars(fs *pflag.FlagSet, lookup lookupFunc, skip []string, o origins) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" || slices.Contains(skip, f.Name) {
			return
		}
		key := envKey(f.Name)
		v, where, ok := lookup(key)
		if !ok {
			return
		}
		o[f.Name] = origin{key, where}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = usageErrorf("%s: %s", o.value(f.Name, v), valueReason(f, serr))
		}
	})
	return err
}

// valueReason says why f refused a value (err, as pflag gives it), in
// words rather than Go's (strconv.ParseInt: parsing "x": invalid syntax).
func valueReason(f *pflag.Flag, err error) string {
	if cause := errors.Unwrap(err); cause != nil {
		err = cause // pflag's own wrapping repeats the value and the flag
	}
	switch f.Value.Type() {
	case "duration":
		return "not a duration (like 10s, 1m30s, or 10 for seconds)"
	case "int":
		if errors.Is(err, strconv.ErrRange) {
			return "out of range"
		}
		return "not a whole number"
	case "bool":
		return "not true or false"
	}
	return err.Error()
}

// wrap is a usage error of err about flag, naming where the flag's value
// came from when a variable set it (err names the value).
func (o origins) wrap(flag string, err error) error {
	if _, ok := o[flag]; ok {
		return usageErrorf("%s: %v", o.name(flag), err)
	}
	return usageErrorf("%v", err)
}
