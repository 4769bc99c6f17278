"""The Wix eCommerce backend: orders, payments and fulfillments proxied to Wix, and its webhooks."""
