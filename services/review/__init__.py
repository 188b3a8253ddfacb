"""Review service: technical review, approval, electronic signatures, separation of duties."""
