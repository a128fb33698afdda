"""Replenishment and inventory health: policies, purchase suggestions within OTB, excess stock."""
