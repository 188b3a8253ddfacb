"""Testing: the catalogue of specifications, test plans, assignment, results and conformity."""
