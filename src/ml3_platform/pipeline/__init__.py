"""Job handlers that ingest data and run the monitors."""
