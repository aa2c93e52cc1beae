"""Sites: the programs (a hospital unit, a clinic) that children and staff belong to."""
