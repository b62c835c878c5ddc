"""Fair random draws (双随机一公开): committed seeds, HMAC ranking anyone can recompute."""
