"""A plan version's leaf detail: its flows by subclass x region x week under the class lines
(issue 19's cube). `store` reads and writes the leaf arrays, `seed` splits a version's class
lines into leaves, `reads` rolls the leaves up to any level, `edits` writes any level (spread to
the leaves, the class lines kept equal to their leaves) and `sync` brings a class-week typed in
the grid down to its leaves."""
