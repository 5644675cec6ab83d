"""The cases service (案件): registration, assignment and the case status machine."""
