// Package all imports every built-in plugin for its registration side effect.
package all

import (
	_ "sluice/plugins/documents"
	_ "sluice/plugins/inventory"
	_ "sluice/plugins/notify"
	_ "sluice/plugins/shipping"
	_ "sluice/plugins/verify"
)
