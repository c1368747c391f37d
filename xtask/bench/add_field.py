#!/usr/bin/env python3
"""Row 6 of xtask/bench.sh: adds one optional field to the Device schema of the spec given
(the incremental build after a spec change)."""
import sys
path = sys.argv[1]
text = open(path).read()
anchor = "        live_mode:\n          description: True for a live-mode object, false for a test-mode one.\n          type: boolean\n"
assert anchor in text, "the Device schema changed: update xtask/bench/add_field.py"
field = "        firmware_version:\n          description: The firmware the device runs.\n          type: string\n"
open(path, "w").write(text.replace(anchor, anchor + field, 1))
