"""The domain: rules, permissions, queries; one module per resource."""
