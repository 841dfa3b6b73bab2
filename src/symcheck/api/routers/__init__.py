"""The v1 routers; each is a thin layer over the service layer (symcheck.interview, kb, search, store)."""
