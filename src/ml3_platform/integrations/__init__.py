"""Access to customers' clouds: sealed secrets and credentials in use."""
