"""A tiny inventory service used by the BuildRunner demo."""
