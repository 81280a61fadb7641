"""Load and fault checks: quick ones run with the suite (test_*.py); long ones are scripts
run on demand (see README "Performance and resilience")."""
