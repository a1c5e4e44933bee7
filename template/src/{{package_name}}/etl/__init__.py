"""Extract, transform, load: bundled data -> data/raw -> data/staging -> data/transformed."""
