"""The demo retailer: a pure generator (`generator`) and the loader that writes it (`loader`)."""
