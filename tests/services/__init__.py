"""Unit tests of pure service functions: no database, no HTTP."""
