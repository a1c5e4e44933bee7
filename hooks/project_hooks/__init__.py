"""Logic behind the template's Copier tasks; the scripts in hooks/ are thin entry points."""
