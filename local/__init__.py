"""The local stack: moto for AWS, the table from template.yaml, demo tenants, and the functions
behind one HTTP server that routes as API Gateway does."""
