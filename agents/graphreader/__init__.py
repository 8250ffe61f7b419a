"""GraphReader: explore the element graph with a notebook."""
