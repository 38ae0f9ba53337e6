//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd

package tui

func dropInput(uintptr) {}
