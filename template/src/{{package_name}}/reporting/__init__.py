"""Reports in Markdown with PNG figures: the data exploration and the delivery report of a model."""
