package definitions

import _ "sluice/plugins/all" // the flows use the built-in plugins
