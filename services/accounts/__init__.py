"""The accounts service (用户与账户): staff accounts, passwords, login throttling, user search."""
