"""The `system` backend: orders proxied to the Retailys `/System/Orders` REST API, with polling for events."""
