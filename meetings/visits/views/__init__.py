"""Pages of the visit log: the township's (`staff`), the cadre's on a phone (`log`), the household's own
page opened by its card (`household`), and the counts (`counts`)."""
