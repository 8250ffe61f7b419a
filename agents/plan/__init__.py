"""PEARL: plan the look-ups a complex question needs, run them in order, answer from them."""
