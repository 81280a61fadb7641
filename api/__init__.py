"""Sales Mastermind: team selling as projects, time-boxed sessions and a reciprocity ledger."""
