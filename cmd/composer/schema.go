package main

import (
	"github.com/spf13/cobra"

	"github.com/composer-dev/composer/config"
)

func newSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of composer.yaml, for editors",
		Long: `Print the JSON Schema (draft 2020-12) of composer.yaml, the settings file
beside the Procfile. With it an editor completes the keys, shows what each
one does, and marks unknown keys and many of the values composer refuses.
Editors that use yaml-language-server (VS Code's YAML extension and others)
take it from a comment at the top of composer.yaml:

  composer schema > composer.schema.json

  # yaml-language-server: $schema=composer.schema.json
  processes:
    web:
      ready: http /health

A relative path there is from composer.yaml's directory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := cmd.OutOrStdout().Write(config.Schema); err != nil {
				return &exitError{code: exitInternal, msg: "schema: " + err.Error()}
			}
			return nil
		},
	}
}
