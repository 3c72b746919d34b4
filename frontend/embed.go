// Package frontend embeds the built web app (Vite writes it to dist/app) into the binary.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// App returns the built app; it is empty (no index.html) when the front end was not built.
func App() fs.FS {
	sub, err := fs.Sub(dist, "dist/app")
	if err != nil {
		return dist
	}
	return sub
}
