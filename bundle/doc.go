// Package bundle packs a composer project into one executable file and
// unpacks it again.
//
// A bundle is the composer binary itself, unchanged, followed by a gzipped
// tar of the project and a fixed-size trailer that locates the archive and
// holds its SHA-256. The binary still runs as it is; at start, composer
// looks past the end of its own ELF image for a bundle (Open).
//
// The archive holds the Procfile, the env files, and every included file
// or directory. An included ELF executable that needs a dynamic loader is
// stored under libexec/ with its shared-library closure and the loader
// under lib/, and a small /bin/sh script takes its place that starts it
// through that loader with the bundled libraries, so the bundle runs where
// those libraries are missing.
//
// Unpack extracts a bundle once per content hash into a cache directory,
// atomically (a temporary directory renamed into place), verifying the
// hash and refusing paths and links that leave the directory.
package bundle
