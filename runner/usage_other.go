//go:build !linux

package runner

// sampleUsage does nothing: only Linux's /proc is read.
func (r *Runner) sampleUsage() {}
