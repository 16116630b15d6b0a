#!/bin/bash
# List the repository's files that live at kernel paths (the overlay).
# Run from the repository's top directory.
set -euo pipefail
git ls-files -co --exclude-standard -- mm fs include kernel arch Documentation tools lib \
	| while IFS= read -r f; do [ -f "$f" ] && echo "$f"; done
