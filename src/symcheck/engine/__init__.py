"""The pure core: compiled arrays in, arrays out. No I/O, no globals, no framework imports."""
