"""What our processes tell operators about themselves: Prometheus metrics and JSON logs."""
