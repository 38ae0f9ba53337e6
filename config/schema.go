package config

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of composer.yaml, for
// editors: with it they complete the keys, describe each, and mark
// unknown keys and values Parse would refuse. An editor that reads YAML
// through yaml-language-server (VS Code's YAML extension, and others)
// takes it from a first line such as
//
//	# yaml-language-server: $schema=composer.schema.json
//
// where composer.schema.json is the output of 'composer schema'.
//
//go:embed composer.schema.json
var Schema []byte
