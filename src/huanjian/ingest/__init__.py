"""HJ 212 ingestion: gateway, storage of raw frames and readings, replay, export, device status."""
