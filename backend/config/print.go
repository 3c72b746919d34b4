package config

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Print writes the effective configuration as TOML with dotted keys (so the output,
// minus its secrets, is itself a valid configuration file), each line commented with
// where the value came from. Secrets show masked, commented out.
func (c *Config) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if c.File != "" {
		fmt.Fprintf(tw, "# configuration file: %s\n", c.File)
	}
	for _, f := range Fields {
		v := f.get(c)
		lit := strconv.Quote(v)
		if f.bool {
			lit = v
		}
		if f.Key == "http.trusted_proxies" {
			parts := make([]string, 0)
			for _, p := range splitList(v) {
				parts = append(parts, strconv.Quote(p))
			}
			lit = "[" + strings.Join(parts, ", ") + "]"
		}
		line := f.Key + " = " + lit
		if f.Secret {
			if v == "" {
				v = "(not set)"
			}
			line = "# " + f.Key + " = " + v
		}
		fmt.Fprintf(tw, "%s\t# %s\n", line, c.Source(f.Key))
	}
	return tw.Flush()
}
