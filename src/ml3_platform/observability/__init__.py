"""What operators watch: Prometheus metrics, health checks, JSON logs."""
