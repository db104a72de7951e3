"""Reading: finding article files and decoding them to text."""
